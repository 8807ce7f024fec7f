#!/usr/bin/env bash
# deps.sh: install what building and testing httpsnoop needs (Debian 12), only if missing.
set -euo pipefail
pkgs=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libnghttp2-dev
      libcapstone-dev meson ninja-build pkg-config gcc libc6-dev curl python3 jq openssl
      nginx-light apache2 haproxy ruby php-cli php-curl golang-go golang-google-grpc-dev
      nghttp2-client nghttp2-server wrk hey wget libcap2-bin netbase
      gnutls-bin git)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # no service starts while installing: nginx and apache2 would both want port 80, and a
  # package whose service fails to start fails to install
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the packaged servers' own services are not wanted (port 80): the tests start their own
systemctl disable --now nginx apache2 haproxy >/dev/null 2>&1 || true
