"""Root integration tests of HTTP/2 (RFC 9113) and gRPC decoding against real peers:
nghttpd/nghttp/h2load (cleartext, prior knowledge), a Go server with "Upgrade: h2c", a Go
gRPC server and client (Debian's golang-google-grpc-dev), and over TLS curl --http2 to
nginx (OpenSSL capture; git through GnuTLS as its client) and Go's crypto/tls HTTP/2 server and
client (Go TLS capture).
Captured on the server side and on the client side."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (Proc, Snoop, find, free_port, header, nginx, one, require_root_bpf,  # noqa: E402
                run_tests, skip_or_fail, wait_port)

require_root_bpf()

for prog in ("nghttpd", "nghttp", "h2load", "curl", "nginx", "go"):
    if not shutil.which(prog):
        skip_or_fail(f"{prog} is not installed (nghttp2-server, nghttp2-client, curl, nginx, "
                     "golang-go)")
GOPATH_DEB = "/usr/share/gocode"
if not os.path.isdir(os.path.join(GOPATH_DEB, "src/google.golang.org/grpc/health")):
    skip_or_fail("golang-google-grpc-dev is not installed")

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="hs-http2-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
WWW = os.path.join(TMP, "www")
os.makedirs(WWW)
A_TXT = b"hello from a\n"
with open(os.path.join(WWW, "a.txt"), "wb") as f:
    f.write(A_TXT)
BIG = bytes((i * 7 + 13) % 251 for i in range(200 * 1024))	# 200 KiB: many DATA frames
with open(os.path.join(WWW, "big.bin"), "wb") as f:
    f.write(BIG)
POST = bytes(ord("a") + i % 26 for i in range(40000))	# several DATA frames upstream
POST_FILE = os.path.join(TMP, "post.txt")
with open(POST_FILE, "wb") as f:
    f.write(POST)


def go_env(gopath_mode):
    env = dict(os.environ)
    env.setdefault("GOCACHE", os.path.join(TMP, "gocache"))
    env.setdefault("HOME", TMP)
    env.update(CGO_ENABLED="0", GOTOOLCHAIN="local", GOPROXY="off")
    for k in ("GOFLAGS", "GOOS", "GOARCH"):
        env.pop(k, None)
    if gopath_mode:	# Debian's Go libraries are a GOPATH tree
        env.update(GO111MODULE="off", GOPATH=GOPATH_DEB)
    else:
        env.update(GO111MODULE="on", GOPATH=os.path.join(TMP, "gopath"))
    return env


def go_build(name, cwd, pkg, gopath_mode):
    out = os.path.join(TMP, name)
    r = subprocess.run(["go", "build", "-o", out, pkg], cwd=cwd, env=go_env(gopath_mode),
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"go build {pkg}: {r.stderr}"
    return out


H2PEER = go_build("h2peer", os.path.join(HERE, "h2peer"), ".", True)
GOSRC = os.path.join(HERE, "..", "go")
TLSSERVER = go_build("tlsserver", GOSRC, "./tlsserver", False)
TLSCLIENT = go_build("tlsclient", GOSRC, "./tlsclient", False)


def go_server(*argv):
    """A Go server printing "listening on ADDR": (Proc, port)."""
    p = Proc(list(argv), stdout=subprocess.PIPE)
    line = p.p.stdout.readline().decode()
    assert line.startswith("listening on "), line
    return p, int(line.rsplit(":", 1)[1])


NGHTTPD_PORT = free_port()
NGHTTPD = Proc(["nghttpd", "--no-tls", "-a", "127.0.0.1", "-d", WWW,
                "--trailer", "x-srv-trailer: done", str(NGHTTPD_PORT)])
wait_port(NGHTTPD_PORT)
H2C, H2C_PORT = go_server(H2PEER, "h2c-server")
GRPC, GRPC_PORT = go_server(H2PEER, "grpc-server")


def run(argv, timeout=60):
    r = subprocess.run(argv, capture_output=True, timeout=timeout)
    assert r.returncode == 0, f"{argv}: {r.returncode} {r.stderr.decode()}"
    return r.stdout


class Later:
    """A client started now that waits for go() before it execs argv: its pid is known
    before it opens a connection, so httpsnoop can be pointed at it."""

    def __init__(self, argv):
        self.flag = os.path.join(TMP, f"go-{time.time_ns()}")
        script = 'while [ ! -e "$0" ]; do sleep 0.02; done; exec "$@"'
        self.p = subprocess.Popen(["sh", "-c", script, self.flag, *argv],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.p.pid

    def go(self, timeout=60):
        open(self.flag, "w").close()
        out, err = self.p.communicate(timeout=timeout)
        assert self.p.returncode == 0, f"client failed: {err.decode()}"
        return out.decode()


def h2(ex):
    """The exchanges decoded as HTTP/2."""
    return [e for e in ex if e["connection"]["protocol"] == "HTTP/2"]


def clean(e):
    f = e["flags"]
    bad = [k for k in ("no_response", "no_request", "invalid_request", "invalid_response",
                       "gap", "incomplete", "headers_lost", "reset") if f[k]]
    assert not bad and not f["skipped_bytes"], f"flags {bad}: {e}"


def test_nghttpd_server_side_concurrent_streams():
    s = Snoop("-p", NGHTTPD.pid, "-s", "0")
    base = f"http://127.0.0.1:{NGHTTPD_PORT}"
    # one connection, several streams in flight at once
    run(["nghttp", "-n", base + "/a.txt", base + "/big.bin", base + "/missing"])
    ex = s.stop()
    assert "3 exchanges printed" in s.stderr and ", 0 lost" in s.stderr, s.stderr
    a = one(ex, method="GET", target="/a.txt", status=200)
    big = one(ex, method="GET", target="/big.bin", status=200)
    miss = one(ex, method="GET", target="/missing", status=404)
    for e in (a, big, miss):
        clean(e)
        c = e["connection"]
        assert c["protocol"] == "HTTP/2" and c["role"] == "server", c
        assert c["local"]["port"] == NGHTTPD_PORT
        assert e["request"]["authority"] == f"127.0.0.1:{NGHTTPD_PORT}"
        assert e["process"]["pid"] == NGHTTPD.pid
    ids = [e["connection"]["stream_id"] for e in (a, big, miss)]
    assert len(set(ids)) == 3 and all(i % 2 == 1 for i in ids), ids
    assert len({e["connection"]["remote"]["port"] for e in (a, big, miss)}) == 1
    assert header(a["request"], ":path") == "/a.txt"
    assert header(a["request"], ":scheme") == "http"
    assert header(a["request"], "user-agent").startswith("nghttp2/")
    assert header(a["response"], ":status") == "200"
    assert a["response"]["body"]["text"] == A_TXT.decode()
    import base64
    body = big["response"]["body"]
    assert body["size"] == len(BIG) and base64.b64decode(body["base64"]) == BIG
    # nghttpd sends the configured trailer after every body
    assert ["x-srv-trailer", "done"] in a["response"]["trailers"], a["response"]["trailers"]


MIDWAY_JS = r"""
const http2 = require('http2'), fs = require('fs');
const [url, flag] = [process.argv[2], process.argv[3]];
const get = (s, path) => new Promise(ok => {
  const r = s.request({':path': path, 'x-same': 'indexed by HPACK'});
  r.on('data', () => {}); r.on('end', ok); r.end();
});
(async () => {
  const a = http2.connect(url);
  for (let i = 0; !fs.existsSync(flag); i++) {	/* until httpsnoop traces this process */
    await get(a, '/a.txt?old=' + i); console.log('old', i);
    await new Promise(ok => setTimeout(ok, 100));
  }
  for (let i = 0; i < 2; i++) await get(a, '/a.txt?still-old=' + i);
  const b = http2.connect(url);
  await get(b, '/a.txt?new');
  a.close(); b.close();
})();
"""


def test_connection_open_before_tracing_is_named_not_misread():
    # the header compression state of a connection open before tracing began is unknown:
    # its exchanges cannot be decoded, which is said, once; a new connection is decoded
    flag = os.path.join(TMP, "midway")
    p = Proc(["node", "-e", MIDWAY_JS, "x", f"http://127.0.0.1:{NGHTTPD_PORT}", flag],
             stdout=subprocess.PIPE)
    assert p.p.stdout.readline().startswith(b"old 0")
    s = Snoop("-p", p.pid)
    open(flag, "w").close()
    p.p.wait(timeout=30)
    ex = s.stop()
    assert [e["request"]["target"] for e in ex] == ["/a.txt?new"], ex
    clean(ex[0])
    note = (f"pid {p.pid} (node): its HTTP/2 connection with 127.0.0.1:{NGHTTPD_PORT} began "
            "before it could be traced (before tracing began, or before its TLS library was "
            "hooked): not decoded")
    assert s.stderr.count(note) == 1, s.stderr


# an h2c client that stops reading inside the first DATA frame until told to go on, then
# reads on (inside that frame) and sends its next request
INSIDE_A_FRAME = r"""
import os, socket, struct, sys, time
port, flag = int(sys.argv[1]), sys.argv[2]
def frame(t, f, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([t, f]) + struct.pack(">I", sid) + payload
def get(path):	# :method GET, :scheme http, :path and :authority as literals
    p, a = path.encode(), b"127.0.0.1"
    return b"\x82\x86\x04" + bytes([len(p)]) + p + b"\x01" + bytes([len(a)]) + a
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + frame(1, 5, 1, get("/big.bin")))
buf, off = b"", 0
def need(n):
    global buf
    while len(buf) < n:
        buf += s.recv(n - len(buf))
while True:
    need(off + 9)
    if buf[off + 3] == 0:	# DATA: stop 100 bytes into it
        need(off + 9 + 100)
        break
    need(off + 9 + int.from_bytes(buf[off:off + 3], "big"))
    off += 9 + int.from_bytes(buf[off:off + 3], "big")
print("ready", flush=True)
while not os.path.exists(flag):
    time.sleep(0.02)
s.recv(4096)
s.sendall(frame(1, 5, 3, get("/a.txt")))
time.sleep(0.3)
s.close()
"""


def test_connection_first_seen_inside_a_frame_is_named():
    # its first bytes seen (a read inside a DATA frame) are no protocol's; its next write,
    # whole frames, tells that the connection is HTTP/2 and began before it was traced
    flag = os.path.join(TMP, "inside")
    p = Proc([sys.executable, "-c", INSIDE_A_FRAME, str(NGHTTPD_PORT), flag],
             stdout=subprocess.PIPE)
    assert p.p.stdout.readline() == b"ready\n"
    s = Snoop("-p", p.pid)
    open(flag, "w").close()
    assert p.p.wait(timeout=30) == 0
    ex = s.stop()
    assert ex == [], ex
    note = (f"pid {p.pid} (python3): its HTTP/2 connection with 127.0.0.1:{NGHTTPD_PORT} "
            "began before it could be traced")
    assert s.stderr.count(note) == 1, s.stderr


def test_nghttp_post_with_trailers():
    s = Snoop("-p", NGHTTPD.pid, "-s", "0")
    run(["nghttp", "-n", "-d", POST_FILE, "--trailer", "x-cli-trailer: sent",
         f"http://127.0.0.1:{NGHTTPD_PORT}/a.txt"])
    ex = s.stop()
    e = one(ex, method="POST", target="/a.txt", status=200)
    clean(e)
    assert e["request"]["body"]["size"] == len(POST)
    assert e["request"]["body"]["text"].encode() == POST
    assert header(e["request"], "content-length") == str(len(POST))
    assert ["x-cli-trailer", "sent"] in e["request"]["trailers"], e["request"]
    assert e["response"]["body"]["text"] == A_TXT.decode()


def test_nghttp_client_side():
    base = f"http://127.0.0.1:{NGHTTPD_PORT}"
    c = Later(["nghttp", "-n", "-m", "4", base + "/a.txt"])
    s = Snoop("-p", c.pid)
    c.go()
    ex = s.stop()
    got = find(ex, method="GET", target="/a.txt", status=200)
    assert len(got) == 4, ex
    for e in got:
        clean(e)
        assert e["connection"]["role"] == "client" and e["connection"]["protocol"] == "HTTP/2"
        assert e["connection"]["remote"]["port"] == NGHTTPD_PORT
        assert e["process"]["comm"] == "nghttp"
        assert e["response"]["body"]["text"] == A_TXT.decode()
    assert sorted(e["connection"]["stream_id"] for e in got) == [13, 15, 17, 19] or \
        len({e["connection"]["stream_id"] for e in got}) == 4


def test_h2load_every_stream_paired():
    s = Snoop("-p", NGHTTPD.pid)
    out = run(["h2load", "-n", "200", "-c", "2", "-m", "10",
               f"http://127.0.0.1:{NGHTTPD_PORT}/a.txt"]).decode()
    assert "200 succeeded" in out, out
    ex = s.stop()
    ok = [e for e in ex if (e["response"] or {}).get("status") == 200]
    assert len(ok) == 200, (len(ok), s.stderr)
    assert len(ex) == 200, len(ex)
    for e in ex:
        clean(e)
        assert e["request"]["target"] == "/a.txt"
    # 2 connections, 100 streams each: ids 1..199 on each
    per = {}
    for e in ex:
        per.setdefault(e["connection"]["remote"]["port"], set()).add(e["connection"]["stream_id"])
    assert sorted(len(v) for v in per.values()) == [100, 100], {k: len(v) for k, v in per.items()}
    assert all(v == set(range(1, 200, 2)) for v in per.values())
    assert ", 0 lost" in s.stderr, s.stderr


def test_upgrade_h2c_and_prior_knowledge():
    base = f"http://127.0.0.1:{H2C_PORT}"
    s = Snoop("-p", H2C.pid)
    # curl --http2 on http:// asks for "Upgrade: h2c"; the second URL reuses the connection
    run(["curl", "-sS", "--http2", base + "/up1", base + "/up2"])
    run(["curl", "-sS", "--http2-prior-knowledge", "--data-binary", "@" + POST_FILE,
         base + "/pk"])
    ex = s.stop()
    up = one(ex, method="GET", target="/up1", status=101)
    assert up["connection"]["protocol"] == "HTTP/1.1" and up["flags"]["upgrade"]
    assert header(up["request"], "Upgrade") == "h2c"
    # the upgraded request is answered on HTTP/2 stream 1
    s1 = one(ex, method="GET", target="/up1", status=200)
    clean(s1)
    assert s1["connection"]["protocol"] == "HTTP/2" and s1["connection"]["stream_id"] == 1
    assert s1["connection"]["role"] == "server"
    assert s1["response"]["body"]["text"] == "path=/up1 proto=HTTP/1.1 method=GET body=0\n"
    assert ["x-body-length", "0"] in s1["response"]["trailers"], s1["response"]
    s3 = one(ex, method="GET", target="/up2", status=200)
    clean(s3)
    assert s3["connection"]["stream_id"] == 3
    assert s3["connection"]["remote"]["port"] == s1["connection"]["remote"]["port"]
    assert s3["response"]["body"]["text"] == "path=/up2 proto=HTTP/2.0 method=GET body=0\n"
    pk = one(ex, method="POST", target="/pk", status=200)
    clean(pk)
    assert pk["connection"]["stream_id"] == 1 and pk["connection"]["protocol"] == "HTTP/2"
    assert pk["request"]["body"]["size"] == len(POST)
    assert pk["response"]["body"]["text"] == f"path=/pk proto=HTTP/2.0 method=POST body={len(POST)}\n"
    assert ["x-body-length", str(len(POST))] in pk["response"]["trailers"]
    assert len(ex) == 4, ex


# An HTTP/1.1 client asking for an h2c upgrade (as Java's HttpClient does on http://) of a
# server that speaks only HTTP/2 and sends its SETTINGS first: the client reads them first
H1_TO_H2_CLIENT = r"""
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
got = c.recv(9)
c.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
          b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
c.settimeout(5)
while d := c.recv(4096):
    got += d
print(got[3], flush=True)	# the first frame's type: 4, SETTINGS
"""


def test_http1_client_to_a_server_that_speaks_http2_first():
    # the server's SETTINGS come first on both sides; the client's HTTP/1 request is shown,
    # not dropped as a broken HTTP/2 stream, with the server's frames as no HTTP/1 response
    c = Later([sys.executable, "-c", H1_TO_H2_CLIENT, str(NGHTTPD_PORT)])
    s = Snoop("-p", f"{c.pid},{NGHTTPD.pid}")
    assert c.go() == "4\n"
    ex = s.stop()
    assert len(ex) == 2, ex
    for role in ("client", "server"):
        e = one([x for x in ex if x["connection"]["role"] == role], method="GET",
                target="/a.txt")
        assert e["connection"]["protocol"] == "HTTP/1.1", e["connection"]
        assert header(e["request"], "Upgrade") == "h2c", e["request"]
        assert e["response"] is None or e["flags"]["invalid_response"], e


def check_grpc(ex, role, n):
    assert len(ex) == 3, ex
    for e in ex:
        clean(e)
        assert e["connection"]["protocol"] == "HTTP/2" and e["connection"]["role"] == role
        assert e["request"]["method"] == "POST" and e["response"]["status"] == 200
        assert header(e["request"], "content-type") == "application/grpc"
    ok, missing = sorted(find(ex, target="/grpc.health.v1.Health/Check"),
                         key=lambda e: e["connection"]["stream_id"])
    g = ok["grpc"]
    assert (g["service"], g["method"]) == ("grpc.health.v1.Health", "Check"), g
    # HealthCheckRequest{service:"ok"} is 4 bytes; HealthCheckResponse{SERVING} is 2
    assert (g["request_messages"], g["response_messages"]) == (1, 1), g
    assert (g["request_bytes"], g["response_bytes"]) == (4, 2), g
    assert (g["status"], g["status_name"]) == (0, "OK"), g
    g = missing["grpc"]
    assert (g["request_messages"], g["response_messages"], g["request_bytes"]) == (1, 0, 9), g
    assert (g["status"], g["status_name"], g["message"]) == (5, "NOT_FOUND", "unknown service")
    # trailers-only response: grpc-status is in the response's only header block
    chat = one(ex, target="/test.Echo/Chat")
    g = chat["grpc"]
    assert (g["service"], g["method"]) == ("test.Echo", "Chat"), g
    assert (g["request_messages"], g["response_messages"]) == (n, n), g
    assert g["request_bytes"] == sum(2 + 10 * (i + 1) for i in range(n)), g
    assert g["response_bytes"] == 2 * n, g
    assert (g["status"], g["status_name"], g["message"]) == (3, "INVALID_ARGUMENT", "chat over")
    assert header(chat["response"], "grpc-status") is None
    assert ["grpc-status", "3"] in chat["response"]["trailers"], chat["response"]
    ids = sorted(e["connection"]["stream_id"] for e in ex)
    assert ids == [1, 3, 5], ids


def test_grpc_server_side():
    s = Snoop("-p", GRPC.pid)
    out = run([H2PEER, "grpc-client", "-addr", f"127.0.0.1:{GRPC_PORT}", "-n", "3"]).decode()
    assert 'chat: 3 replies, InvalidArgument "chat over"' in out, out
    ex = s.stop()
    check_grpc(ex, "server", 3)


def test_grpc_stream_shown_while_it_lasts():
    # a bidirectional stream open for ~2 s: a look at it after 1 s (request and response still
    # going, no status yet), then the whole exchange once when it ends
    s = Snoop("-p", GRPC.pid)
    c = subprocess.Popen([H2PEER, "grpc-client", "-addr", f"127.0.0.1:{GRPC_PORT}", "-n", "3",
                          "-gap", "1s"], stdout=subprocess.PIPE)
    seen = s.wait_for('"streaming":true', timeout=10)
    open_then = c.poll() is None
    out = c.communicate(timeout=30)[0].decode()
    ex = s.stop()
    assert 'chat: 3 replies, InvalidArgument "chat over"' in out, out
    assert seen is not None, "no look at the open stream"
    assert open_then, "the look came only after the stream ended"
    looks = [e for e in ex if e["flags"]["streaming"]]
    assert len(looks) == 1, looks
    look = looks[0]
    assert look["request"]["target"] == "/test.Echo/Chat", look
    assert look["response"]["status"] == 200 and look["response"]["trailers"] == [], look
    assert look["grpc"]["status"] is None and look["grpc"]["response_messages"] < 3, look
    assert not look["flags"]["incomplete"], look
    chat = one([e for e in ex if not e["flags"]["streaming"]], target="/test.Echo/Chat")
    assert chat["connection"]["stream_id"] == look["connection"]["stream_id"]
    assert chat["grpc"]["request_messages"] == 3 and chat["grpc"]["response_messages"] == 3
    assert ["grpc-status", "3"] in chat["response"]["trailers"], chat["response"]
    assert chat["timing"]["latency_ms"] >= 2000, chat["timing"]
    assert "3 exchanges printed" in s.stderr, s.stderr	# two Checks and the chat


def test_grpc_client_side():
    c = Later([H2PEER, "grpc-client", "-addr", f"127.0.0.1:{GRPC_PORT}", "-n", "7"])
    s = Snoop("-p", c.pid)
    out = c.go()
    assert 'chat: 7 replies' in out, out
    ex = s.stop()
    check_grpc(ex, "client", 7)
    assert all(e["connection"]["remote"]["port"] == GRPC_PORT for e in ex)


# ---- over TLS ----

def test_curl_http2_to_nginx_tls():
    port, _, workers, d = nginx("""
    location /up/ { dav_methods PUT; create_full_put_path on; client_max_body_size 1m; }
    location / { }""", tls=True, http2=True)
    with open(os.path.join(d, "html", "index.html"), "w") as f:
        f.write("<h1>h2</h1>\n")
    with open(os.path.join(d, "html", "big.bin"), "wb") as f:
        f.write(BIG)
    s = Snoop("-p", workers[0], "-s", "0")
    base = f"https://127.0.0.1:{port}"
    fmt = ["-o", "/dev/null", "-w", "%{http_version} "]
    out = run(["curl", "-sSk", "--http2", *fmt, base + "/index.html", "-o", "/dev/null",
               base + "/big.bin", "-o", "/dev/null", base + "/nope",
               "--next", "--http2", "-k", *fmt, "-T", POST_FILE, base + "/up/post.txt"]).decode()
    assert out.split() == ["2"] * 4, out
    ex = s.stop()
    assert len(ex) == 4, ex
    idx = one(ex, method="GET", target="/index.html", status=200)
    big = one(ex, method="GET", target="/big.bin", status=200)
    one(ex, method="GET", target="/nope", status=404)
    put = one(ex, method="PUT", target="/up/post.txt", status=201)
    for e in (idx, big, put):
        clean(e)
        c = e["connection"]
        assert c["protocol"] == "HTTP/2" and c["tls"] and c["role"] == "server", c
    assert [e["connection"]["stream_id"] for e in (idx, big)] == [1, 3]
    assert idx["response"]["body"]["text"] == "<h1>h2</h1>\n"
    assert header(idx["response"], "server").startswith("nginx")
    import base64
    assert base64.b64decode(big["response"]["body"]["base64"]) == BIG
    assert put["request"]["body"]["size"] == len(POST)
    assert put["request"]["body"]["text"].encode() == POST
    with open(os.path.join(d, "html", "up", "post.txt"), "rb") as f:
        assert f.read() == POST

    # git's HTTPS goes through libcurl-gnutls on Debian: HTTP/2 over GnuTLS, from both ends
    # (a whole-machine capture: git runs git-remote-https as a child)
    s = Snoop("--port", port)
    r = subprocess.run(["git", "ls-remote", base + "/repo.git"], capture_output=True, text=True,
                       env=dict(os.environ, GIT_SSL_NO_VERIFY="1", GIT_TERMINAL_PROMPT="0"),
                       timeout=60)
    ex = s.stop()
    assert r.returncode != 0 and "not found" in r.stderr, r.stderr
    got = find(h2(ex), method="GET", target="/repo.git/info/refs?service=git-upload-pack",
               status=404)
    ends = sorted((e["connection"]["role"], e["connection"]["source"], e["process"]["comm"])
                  for e in got)
    assert ends == [("client", "gnutls", "git-remote-http"), ("server", "openssl", "nginx")], \
        ends
    for e in got:
        clean(e)
        assert e["connection"]["stream_id"] == 1, e["connection"]


def test_nghttp_to_nghttpd_tls():
    d = os.path.join(TMP, "cert")
    os.makedirs(d, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", f"{d}/key.pem", "-out",
                    f"{d}/cert.pem"], check=True, capture_output=True)
    port = free_port()
    srv = Proc(["nghttpd", "-a", "127.0.0.1", "-d", WWW, str(port), f"{d}/key.pem",
                f"{d}/cert.pem"])
    wait_port(port)
    base = f"https://127.0.0.1:{port}"
    s = Snoop("-p", srv.pid)
    run(["nghttp", "-n", base + "/a.txt", base + "/missing"])
    ex = s.stop()
    a = one(ex, method="GET", target="/a.txt", status=200)
    one(ex, method="GET", target="/missing", status=404)
    clean(a)
    assert a["connection"]["tls"] and a["connection"]["protocol"] == "HTTP/2"
    assert a["connection"]["role"] == "server"
    assert a["response"]["body"]["text"] == A_TXT.decode()
    # the client side: nghttp is short-lived and maps libssl only once it runs, so trace
    # it by name (every process, where OpenSSL is hooked in the library itself)
    s = Snoop("--comm", "nghttp", "--port", port)
    run(["nghttp", "-n", base + "/a.txt"])
    ex = s.stop()
    assert len(ex) == 1, ex
    a = one(ex, method="GET", target="/a.txt", status=200)
    clean(a)
    assert a["connection"]["tls"] and a["connection"]["role"] == "client"
    srv.stop()


def test_go_https_server_default_http2():
    srv, port = go_server(TLSSERVER, "-addr", "127.0.0.1:0", "-h2")
    s = Snoop("-p", srv.pid)
    base = f"https://127.0.0.1:{port}"
    out = run(["curl", "-sSk", "--http2", base + "/x", base + "/y"]).decode()
    assert "proto=HTTP/2.0" in out, out
    ex = s.stop()
    for path, sid in (("/x", 1), ("/y", 3)):
        e = one(ex, method="GET", target=path, status=200)
        clean(e)
        c = e["connection"]
        assert c["protocol"] == "HTTP/2" and c["tls"] and c["role"] == "server", c
        assert c["tls_lib"].startswith("go"), c
        assert c["stream_id"] == sid
        assert e["response"]["body"]["text"] == f"path={path} proto=HTTP/2.0 method=GET body=0\n"
    # a Go client (HTTP/2 over crypto/tls as well), captured on its side
    # Go probes are placed per executable when httpsnoop starts: the client waits for it
    c = Proc([TLSCLIENT, "-url", base + "/from-go", "-n", "3", "-h2", "-method", "POST",
              "-data", "x=1", "-wait", "3s"])
    s = Snoop("-p", c.pid)
    assert c.p.wait(timeout=30) == 0
    ex = s.stop()
    got = find(ex, method="POST", target="/from-go", status=200)
    assert len(got) == 3, ex
    for e in got:
        clean(e)
        assert e["connection"]["role"] == "client" and e["connection"]["protocol"] == "HTTP/2"
        assert e["request"]["body"]["text"] == "x=1"
    assert sorted(e["connection"]["stream_id"] for e in got) == [1, 3, 5]
    srv.stop()


run_tests(dict(globals()))
