#!/usr/bin/env bash
# deps.sh: install what building and testing httpsnoop needs (Debian 12), only if missing.
set -euo pipefail
pkgs=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libnghttp2-dev
      libcapstone-dev meson ninja-build pkg-config gcc libc6-dev curl python3 jq openssl
      nginx-light ruby php-cli php-curl golang-go golang-google-grpc-dev nghttp2-client nghttp2-server wrk hey)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the packaged nginx starts a server on port 80 when installed; the tests start their own
systemctl disable --now nginx >/dev/null 2>&1 || true
