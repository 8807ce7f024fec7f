"""Root integration tests of TLS plaintext through the OpenSSL and GnuTLS uprobes: nginx (also
as a TLS-terminating proxy), HAProxy, Apache mod_ssl, curl, python3 (urllib, http.client, an
ssl-wrapped http.server, asyncio, through a CONNECT proxy), ruby Net::HTTP, PHP (streams,
curl), node https (OpenSSL linked into the executable), openssl s_server -www / s_client,
wget and gnutls-serv (GnuTLS).
Clients that are traced wait for a line on stdin, so httpsnoop is attached before their
first request."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (HTTPSNOOP, Proc, Snoop, as_nobody, find, free_port, header, libssl_copy, make_cert,  # noqa: E402
                nginx, no_httpsnoop_left, one, require_root_bpf, run_tests, tmpdir,
                wait_port)

require_root_bpf()

BIG = bytes((i * 7 + 13) % 251 for i in range(1 << 20))	# 1 MiB, not text
TMP = tmpdir("hs-tls-")
make_cert(TMP)
CERT, KEY = f"{TMP}/cert.pem", f"{TMP}/key.pem"
with open(f"{TMP}/a.txt", "w") as f:
    f.write("hello over tls\n")
with open(f"{TMP}/big.bin", "wb") as f:
    f.write(BIG)

# a plaintext backend behind nginx's TLS (/up/): the usual TLS-terminating proxy
UP_PORT = free_port()
UP = Proc([sys.executable, "-m", "http.server", str(UP_PORT), "--bind", "127.0.0.1",
           "--directory", TMP])
wait_port(UP_PORT)
NGX_PORT, NGX, NGX_WORKERS, NGX_DIR = nginx(
    "sendfile off; location / { } location /up/ { proxy_pass http://127.0.0.1:%d/; }" % UP_PORT,
    tls=True)
for name in ("a.txt", "big.bin"):
    os.link(f"{TMP}/{name}", os.path.join(NGX_DIR, "html", name))
WORKER = NGX_WORKERS[0]


def tls_of(e):
    c = e["connection"]
    return c["tls"], c["source"], c["tls_lib"]


def check(e, role, server_port, lib_prefix, pid=None, source="openssl"):
    """The exchange is TLS from the library of source, seen from the given end of a loopback
    connection."""
    c = e["connection"]
    assert tls_of(e)[:2] == (True, source), c
    assert (c["tls_lib"] or "").startswith(lib_prefix), c
    assert c["role"] == role, c
    assert c["local"]["addr"] == "127.0.0.1" and c["remote"]["addr"] == "127.0.0.1", c
    assert c["local"]["port"] > 0 and c["remote"]["port"] > 0, c
    if role == "server":
        assert c["local"]["port"] == server_port and c["remote"]["port"] != server_port, c
    else:
        assert c["remote"]["port"] == server_port and c["local"]["port"] != server_port, c
    if pid is not None:
        assert e["process"]["pid"] == pid, e["process"]


def curl(*args):
    return subprocess.run(["curl", "-sSk", "-w", "%{http_code} ", *args], capture_output=True,
                          text=True, timeout=60).stdout


def gated(argv, **kw):
    """A client that waits for a line on stdin before it starts."""
    return Proc(argv, stdin=subprocess.PIPE, **kw)


def go(p, wait=30):
    p.p.stdin.write(b"go\n")
    p.p.stdin.flush()
    p.p.stdin.close()
    p.p.wait(timeout=wait)
    assert p.p.returncode == 0, f"client exited {p.p.returncode}"


def test_nginx_server_keepalive_and_1mib():
    s = Snoop("-p", WORKER)
    u = f"https://127.0.0.1:{NGX_PORT}"
    out = curl("-o", "/dev/null", f"{u}/a.txt", "-o", "/dev/null", f"{u}/big.bin",
               "-o", "/dev/null", f"{u}/a.txt?again=1", "-o", "/dev/null", f"{u}/missing")
    assert out == "200 200 200 404 ", out
    ex = s.stop()
    a = one(ex, method="GET", target="/a.txt", status=200)
    b = one(ex, method="GET", target="/big.bin", status=200)
    c = one(ex, method="GET", target="/a.txt?again=1", status=200)
    m = one(ex, method="GET", target="/missing", status=404)
    for e in (a, b, c, m):
        check(e, "server", NGX_PORT, "libssl.so", WORKER)
    # one TLS connection for all four (curl reuses it)
    assert len({e["connection"]["remote"]["port"] for e in (a, b, c, m)}) == 1
    assert b["sizes"]["response_body"] == len(BIG), b["sizes"]
    assert not b["flags"]["gap"] and not b["flags"]["incomplete"], b["flags"]
    assert "0 lost" in s.stderr, s.stderr


def test_nginx_terminates_tls_for_a_plaintext_backend():
    # one worker, two sockets: the client's TLS one (plaintext from the probes) and the
    # backend's plain one (from the socket hooks)
    s = Snoop("-p", WORKER)
    out = curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/up/a.txt?proxied=1")
    assert out == "200 ", out
    ex = s.stop()
    front = one(ex, target="/up/a.txt?proxied=1", status=200)
    check(front, "server", NGX_PORT, "libssl.so", WORKER)
    back = one(ex, target="/a.txt?proxied=1", status=200)
    c = back["connection"]
    assert (c["tls"], c["source"], c["role"]) == (False, "syscall", "client"), c
    assert c["remote"]["port"] == UP_PORT and c["local"]["port"] > 0, c
    assert back["process"]["pid"] == WORKER
    for e in (front, back):
        assert e["response"]["body"]["text"] == "hello over tls\n", e["response"]


def test_capture_file_names_the_tls_library():
    # -r cannot look at the process: the file says which library it was
    cap = f"{TMP}/tls.hsnoop"
    s = Snoop("-p", WORKER, "-w", cap, json_out=False)
    assert curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/a.txt?file=1") == "200 "
    s.stop()
    r = subprocess.run([HTTPSNOOP, "-r", cap, "-j"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    e = one([json.loads(l) for l in r.stdout.splitlines()], target="/a.txt?file=1", status=200)
    check(e, "server", NGX_PORT, "libssl.so", WORKER)
    r = subprocess.run([HTTPSNOOP, "-r", cap], capture_output=True, text=True, timeout=30)
    assert "TLS(libssl.so" in r.stdout and "/a.txt?file=1" in r.stdout, r.stdout


HAPROXY_CFG = """
global
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:%d ssl crt %s alpn h2,http/1.1
  default_backend be
backend be
  server up 127.0.0.1:%d
"""


def test_haproxy_tls_frontend_h1_and_h2():
    # HAProxy reads and writes its sockets through its own BIO, inside SSL_read/SSL_write
    port = free_port()
    with open(f"{TMP}/both.pem", "w") as f:
        f.write(open(CERT).read() + open(KEY).read())
    with open(f"{TMP}/haproxy.cfg", "w") as f:
        f.write(HAPROXY_CFG % (port, f"{TMP}/both.pem", UP_PORT))
    hap = Proc(["haproxy", "-db", "-f", f"{TMP}/haproxy.cfg"])
    try:
        wait_port(port)
        s = Snoop("-p", hap.pid)
        u = f"https://127.0.0.1:{port}/a.txt"
        assert curl("--http1.1", "-o", "/dev/null", u + "?h1=0", "-o", "/dev/null",
                    u + "?h1=1") == "200 200 ", "curl failed"
        assert curl("--http2", "-o", "/dev/null", u + "?h2") == "200 ", "curl failed"
        ex = s.stop()
    finally:
        hap.stop()
    fronts = [one(ex, target=f"/a.txt?{q}", status=200, tls=True)
              for q in ("h1=0", "h1=1", "h2")]
    for e in fronts:
        check(e, "server", port, "libssl.so", hap.pid)
        assert e["response"]["body"]["text"] == "hello over tls\n", e["response"]
    # (curl's second request says HTTP/1.0: the backend answers in HTTP/1.0)
    assert fronts[0]["connection"]["protocol"] == "HTTP/1.1"
    assert fronts[2]["connection"]["protocol"] == "HTTP/2", fronts[2]["connection"]
    assert fronts[0]["connection"]["remote"] == fronts[1]["connection"]["remote"]
    for q in ("h1=0", "h1=1", "h2"):
        back = one(ex, target=f"/a.txt?{q}", status=200, tls=False)
        c = back["connection"]
        assert (c["tls"], c["source"], c["remote"]["port"]) == (False, "syscall", UP_PORT), c
        assert c["role"] == "client" and c["local"]["port"] > 0, c


APACHE_CONF = """
ServerRoot {d}
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
TypesConfig /etc/mime.types
User www-data
Group www-data
ErrorLog {d}/error.log
ServerName localhost
DocumentRoot {d}
SSLEngine on
SSLCertificateFile {d}/cert.pem
SSLCertificateKeyFile {d}/key.pem
<Directory {d}>
  Require all granted
</Directory>
"""


def test_apache_mod_ssl_server():
    # mod_ssl's BIOs read and write through Apache's own I/O layer, inside SSL_read/SSL_write
    port = free_port()
    with open(f"{TMP}/apache.conf", "w") as f:
        f.write(APACHE_CONF.format(d=TMP, port=port))
    apache = Proc(["apache2", "-X", "-f", f"{TMP}/apache.conf"])	# one process, foreground
    try:
        wait_port(port)
        s = Snoop("-p", apache.pid)
        u = f"https://127.0.0.1:{port}"
        out = curl("-o", "/dev/null", f"{u}/a.txt?ap=0", "-o", "/dev/null", f"{u}/a.txt?ap=1")
        out += curl("-o", "/dev/null", "--data-binary", "@" + f"{TMP}/big.bin", f"{u}/missing")
        assert out == "200 200 404 ", out
        ex = s.stop()
    finally:
        apache.stop()
    got = [one(ex, method="GET", target=f"/a.txt?ap={i}", status=200) for i in range(2)]
    post = one(ex, method="POST", target="/missing", status=404)
    for e in got + [post]:
        check(e, "server", port, "libssl.so", apache.pid)
    assert got[0]["connection"]["remote"] == got[1]["connection"]["remote"]
    assert got[0]["response"]["body"]["text"] == "hello over tls\n"
    assert post["sizes"]["request_body"] == len(BIG), post["sizes"]


def test_curl_client_long_running():
    # --rate spaces the transfers: the first ones go before httpsnoop is attached
    # (5 s of them: attaching can take a second or two on a loaded machine)
    urls = [f"https://127.0.0.1:{NGX_PORT}/a.txt?n={i}" for i in range(20)]
    args = ["curl", "-sk", "--rate", "4/s"]
    for u in urls:
        args += ["-o", "/dev/null", u]
    p = Proc(args)
    s = Snoop("-p", p.pid)
    p.p.wait(timeout=30)
    ex = s.stop(settle=0.3)
    got = find(ex, method="GET", status=200, pid=p.pid)
    assert len(got) >= 3, ex
    for e in got:
        check(e, "client", NGX_PORT, "libssl.so", p.pid)
    assert one(ex, target="/a.txt?n=19")


def test_wget_client_gnutls():
    # Debian's wget speaks TLS through GnuTLS: two files over one kept-alive connection,
    # fetched from the start (wget waits for a line before it runs)
    urls = [f"https://127.0.0.1:{NGX_PORT}/a.txt?wget={i}" for i in (1, 2)]
    p = gated(["sh", "-c", 'read go; exec wget -q --no-check-certificate -O /dev/null "$@"',
               "sh", *urls])
    s = Snoop("-v", "-p", p.pid)
    go(p)
    ex = s.stop()
    got = [one(ex, method="GET", target=f"/a.txt?wget={i}", status=200) for i in (1, 2)]
    for e in got:
        check(e, "client", NGX_PORT, "libgnutls.so", p.pid, source="gnutls")
        assert e["response"]["body"]["text"] == "hello over tls\n", e["response"]
        assert header(e["request"], "User-Agent").startswith("Wget/"), e["request"]
    assert got[0]["connection"]["local"]["port"] == got[1]["connection"]["local"]["port"]
    assert f"pid {p.pid} (wget): GnuTLS libgnutls.so.30" in s.stderr, s.stderr
    assert " hooked (" in s.stderr, s.stderr


# One process, two TLS libraries: Python's ssl (OpenSSL), then GnuTLS through ctypes, loaded
# after httpsnoop attached (a hooked target is still looked at for libraries it loads later)
DUAL_PY = r"""
import ctypes, socket, ssl, sys, urllib.request
port = int(sys.argv[1])
sys.stdin.readline()
ctx = ssl._create_unverified_context()
urllib.request.urlopen(f"https://127.0.0.1:{port}/a.txt?openssl", context=ctx).read()
g = ctypes.CDLL("libgnutls.so.30")
print("loaded", flush=True)
sys.stdin.readline()
g.gnutls_record_send.restype = g.gnutls_record_recv.restype = ctypes.c_ssize_t
g.gnutls_record_send.argtypes = g.gnutls_record_recv.argtypes = [ctypes.c_void_p,
                                                                 ctypes.c_char_p, ctypes.c_size_t]
sess, cred = ctypes.c_void_p(), ctypes.c_void_p()
assert g.gnutls_init(ctypes.byref(sess), 2) == 0			# GNUTLS_CLIENT
assert g.gnutls_set_default_priority(sess) == 0
assert g.gnutls_certificate_allocate_credentials(ctypes.byref(cred)) == 0
assert g.gnutls_credentials_set(sess, 1, cred) == 0			# GNUTLS_CRD_CERTIFICATE
s = socket.create_connection(("127.0.0.1", port))
g.gnutls_transport_set_int2(sess, s.fileno(), s.fileno())
assert g.gnutls_handshake(sess) == 0
req = b"GET /a.txt?gnutls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
assert g.gnutls_record_send(sess, req, len(req)) == len(req)
buf = ctypes.create_string_buffer(65536)
while g.gnutls_record_recv(sess, buf, len(buf)) > 0:
    pass
g.gnutls_deinit(sess)
"""


def test_one_process_with_openssl_and_gnutls():
    p = gated([sys.executable, "-c", DUAL_PY, str(NGX_PORT)], stdout=subprocess.PIPE)
    s = Snoop("-v", "-p", p.pid)
    p.p.stdin.write(b"go\n")
    p.p.stdin.flush()
    assert p.p.stdout.readline() == b"loaded\n"
    assert s.wait_for("GnuTLS libgnutls.so.30", timeout=10, stderr=True), s.stderr_now()
    go(p)	# the process has exited before its records are decoded
    ex = s.stop()
    check(one(ex, method="GET", target="/a.txt?openssl", status=200), "client", NGX_PORT,
          "libssl.so", p.pid)
    check(one(ex, method="GET", target="/a.txt?gnutls", status=200), "client", NGX_PORT,
          "libgnutls.so.30", p.pid, source="gnutls")


def test_gnutls_serv_server():
    port = free_port()
    srv = Proc(["gnutls-serv", "--http", "-p", str(port), "--x509certfile", CERT,
                "--x509keyfile", KEY], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        s = Snoop("-p", srv.pid, json_out=False)
        assert curl("-o", "/dev/null", f"https://127.0.0.1:{port}/gnutls?x=1") == "200 "
        lines = s.stop()
    finally:
        srv.stop()
    assert len(lines) == 1, lines
    assert f"gnutls-serv[{srv.pid}] server 127.0.0.1:" in lines[0], lines
    assert f"-> 127.0.0.1:{port} HTTP/1.1 GET /gnutls?x=1 -> 200 OK " in lines[0], lines
    assert " TLS(libgnutls.so.30" in lines[0], lines


CLIENT_PY = r"""
import http.client, ssl, sys, urllib.request
port = int(sys.argv[1]); sys.stdin.readline()
ctx = ssl._create_unverified_context()
body = urllib.request.urlopen(f"https://127.0.0.1:{port}/a.txt?via=urllib", context=ctx).read()
assert body == b"hello over tls\n", body
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
for i in range(3):
    c.request("GET", f"/a.txt?via=http.client&i={i}")
    c.getresponse().read()
c.request("POST", "/missing", body=b"x" * 1000)
c.getresponse().read()
"""


def test_python_client_urllib_and_keepalive():
    p = gated([sys.executable, "-c", CLIENT_PY, str(NGX_PORT)])
    s = Snoop("-p", p.pid)
    go(p)
    ex = s.stop()
    u = one(ex, method="GET", target="/a.txt?via=urllib", status=200)
    check(u, "client", NGX_PORT, "libssl.so", p.pid)
    ka = [one(ex, method="GET", target=f"/a.txt?via=http.client&i={i}", status=200)
          for i in range(3)]
    post = one(ex, method="POST", target="/missing")
    assert post["response"]["status"] in (404, 405), post["response"]
    assert post["sizes"]["request_body"] == 1000, post["sizes"]
    for e in ka + [post]:
        check(e, "client", NGX_PORT, "libssl.so", p.pid)
    assert len({e["connection"]["local"]["port"] for e in ka + [post]}) == 1


SERVER_PY = r"""
import http.server, ssl, sys
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
    lambda *a, **k: H(*a, directory=sys.argv[2], **k))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"""


def test_python_ssl_http_server():
    port = free_port()
    srv = Proc([sys.executable, "-c", SERVER_PY, str(port), TMP, CERT, KEY])
    wait_port(port)
    s = Snoop("-p", srv.pid)
    u = f"https://127.0.0.1:{port}"
    assert curl("-o", "/dev/null", f"{u}/a.txt", "-o", "/dev/null", f"{u}/big.bin") == "200 200 "
    ex = s.stop()
    srv.stop()
    a = one(ex, method="GET", target="/a.txt", status=200)
    b = one(ex, method="GET", target="/big.bin", status=200)
    for e in (a, b):
        check(e, "server", port, "libssl.so", srv.pid)
    assert b["sizes"]["response_body"] == len(BIG) and not b["flags"]["gap"], b["sizes"]


CLIENT_RB = r"""
require 'net/http'; require 'openssl'
$stdin.gets
http = Net::HTTP.new('127.0.0.1', ARGV[0].to_i)
http.use_ssl = true; http.verify_mode = OpenSSL::SSL::VERIFY_NONE
http.start { |h| 3.times { |i| r = h.get("/a.txt?rb=#{i}"); raise r.code unless r.code == '200' } }
"""


def test_ruby_net_http_client():
    p = gated(["ruby", "-e", CLIENT_RB, str(NGX_PORT)])
    s = Snoop("-p", p.pid)
    go(p)
    ex = s.stop()
    got = [one(ex, method="GET", target=f"/a.txt?rb={i}", status=200) for i in range(3)]
    for e in got:
        check(e, "client", NGX_PORT, "libssl.so", p.pid)
    assert len({e["connection"]["local"]["port"] for e in got}) == 1


# PHP's own TLS streams (file_get_contents) and its curl extension (libcurl's OpenSSL)
CLIENT_PHP = r"""
fgets(STDIN);
$port = $argv[1];
$ctx = stream_context_create(["ssl" => ["verify_peer" => false, "verify_peer_name" => false]]);
if (file_get_contents("https://127.0.0.1:$port/a.txt?php=stream", false, $ctx) !== "hello over tls\n")
    exit(2);
$ch = curl_init();
curl_setopt_array($ch, [CURLOPT_SSL_VERIFYPEER => false, CURLOPT_SSL_VERIFYHOST => 0,
                        CURLOPT_RETURNTRANSFER => true]);
for ($i = 0; $i < 2; $i++) {
    curl_setopt($ch, CURLOPT_URL, "https://127.0.0.1:$port/a.txt?php=curl$i");
    if (curl_exec($ch) !== "hello over tls\n")
        exit(3);
}
curl_setopt($ch, CURLOPT_URL, "https://127.0.0.1:$port/missing");
curl_setopt($ch, CURLOPT_POSTFIELDS, str_repeat("p", 3000));
curl_exec($ch);
"""


def test_php_client_streams_and_curl():
    p = gated(["php", "-r", CLIENT_PHP, str(NGX_PORT)])
    s = Snoop("-p", p.pid)
    go(p)
    ex = s.stop()
    st = one(ex, method="GET", target="/a.txt?php=stream", status=200)
    cu = [one(ex, method="GET", target=f"/a.txt?php=curl{i}", status=200) for i in range(2)]
    post = one(ex, method="POST", target="/missing")
    assert post["response"]["status"] in (404, 405), post["response"]
    assert post["sizes"]["request_body"] == 3000, post["sizes"]
    for e in [st] + cu + [post]:
        check(e, "client", NGX_PORT, "libssl.so", p.pid)
        assert e["response"]["body"]["text"] == "hello over tls\n" or e is post
    # curl keeps its connection: one local port for its three requests
    assert len({e["connection"]["local"]["port"] for e in cu + [post]}) == 1


# Python's memory-BIO TLS: an asyncio server (ssl.SSLObject under the hood) and a client that
# drives an SSLObject itself. The client sends its handshake's end and the first request in
# one write, so the server's first SSL call, SSL_read, comes after the read that carried the
# request (the handshake calls are not hooked).
AIO_PY = r"""
import asyncio, socket, ssl, sys
async def handle(r, w):
    while head := await r.readuntil(b"\r\n\r\n"):
        n = [int(h[15:]) for h in head.lower().split(b"\r\n") if h.startswith(b"content-length:")]
        body = await r.readexactly(n[0]) if n else b""
        b = b"aio %s %d\n" % (head.split()[1], len(body))
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(b), b))
        await w.drain()
async def server(port, cert, key):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(cert, key)
    await (await asyncio.start_server(handle, "127.0.0.1", port, ssl=c)).serve_forever()
def client(port):
    sys.stdin.readline()
    sock = socket.create_connection(("127.0.0.1", port))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ssl._create_unverified_context().wrap_bio(inc, out)
    def pull(f):
        while True:
            try:
                return f()
            except ssl.SSLWantReadError:
                sock.sendall(out.read())
                inc.write(sock.recv(65536))
    pull(obj.do_handshake)
    for i in range(4):
        body = b"a" * 20000 if i == 3 else b""
        obj.write(b"%s /aio%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                  % (b"POST" if body else b"GET", i, len(body), body))
        sock.sendall(out.read())
        resp = b""
        while not resp.endswith(b"\n" if b"\r\n\r\n" in resp else b"\0"):
            resp += pull(lambda: obj.read(65536))
port = int(sys.argv[2])
client(port) if sys.argv[1] == "client" else asyncio.run(server(port, *sys.argv[3:]))
"""


def test_python_asyncio_server_and_client():
    port = free_port()
    srv = Proc([sys.executable, "-c", AIO_PY, "server", str(port), CERT, KEY])
    wait_port(port)
    p = gated([sys.executable, "-c", AIO_PY, "client", str(port)])
    try:
        s = Snoop("-p", p.pid, "-p", srv.pid)
        go(p)
        ex = s.stop()
    finally:
        srv.stop()
    for i in range(4):
        size = 20000 if i == 3 else 0
        for role, pid in (("client", p.pid), ("server", srv.pid)):
            e = one(ex, target=f"/aio{i}", status=200, pid=pid)
            check(e, role, port, "libssl.so", pid)
            assert e["request"]["method"] == ("POST" if size else "GET"), e["request"]
            assert e["sizes"]["request_body"] == size, e["sizes"]
            assert e["response"]["body"]["text"] == f"aio /aio{i} {size}\n", e["response"]
    assert "8 exchanges printed" in s.stderr, s.stderr


SERVER_JS = r"""
const https = require('https'), fs = require('fs');
const big = Buffer.alloc(1 << 20, 'n');
https.createServer({key: fs.readFileSync(process.argv[3]), cert: fs.readFileSync(process.argv[4])},
  (req, res) => {
    if (req.url === '/big') { res.writeHead(200, {'content-type': 'application/octet-stream'});
                              res.end(big); return; }
    res.writeHead(200, {'content-type': 'text/plain'}); res.end('node ' + req.url + '\n');
  }).listen(+process.argv[2], '127.0.0.1');
"""

CLIENT_JS = r"""
const https = require('https');
const agent = new https.Agent({keepAlive: true, maxSockets: 1});
const port = +process.argv[2];
let i = 0;
function one() {
  if (i >= 3) { agent.destroy(); return; }
  https.get({host: '127.0.0.1', port, path: '/a.txt?js=' + (i++), agent, rejectUnauthorized: false},
    res => { if (res.statusCode !== 200) process.exit(2); res.resume(); res.on('end', one); })
    .on('error', e => { console.error(e); process.exit(1); });
}
process.stdin.once('data', () => { process.stdin.pause(); one(); });
"""


def test_node_https_server():
    port = free_port()
    srv = Proc(["node", "-e", SERVER_JS, "x", str(port), KEY, CERT])
    wait_port(port)
    s = Snoop("-p", srv.pid)
    u = f"https://127.0.0.1:{port}"
    assert curl("-o", "/dev/null", f"{u}/x", "-o", "/dev/null", f"{u}/big",
                "-o", "/dev/null", f"{u}/y") == "200 200 200 "
    ex = s.stop()
    srv.stop()
    got = [one(ex, method="GET", target=t, status=200) for t in ("/x", "/big", "/y")]
    for e in got:
        check(e, "server", port, "node", srv.pid)
    assert got[1]["sizes"]["response_body"] == 1 << 20 and not got[1]["flags"]["gap"]


def test_node_https_client():
    p = gated(["node", "-e", CLIENT_JS, "x", str(NGX_PORT)])
    s = Snoop("-p", p.pid)
    go(p)
    ex = s.stop()
    got = [one(ex, method="GET", target=f"/a.txt?js={i}", status=200) for i in range(3)]
    for e in got:
        check(e, "client", NGX_PORT, "node", p.pid)
    assert len({e["connection"]["local"]["port"] for e in got}) == 1


# node reads its sockets outside SSL calls (memory BIOs): a plaintext front end that fetches
# each request from an HTTPS upstream on a new connection, then a client that goes back and
# forth between a kept-alive connection and a new one
FRONT_JS = r"""
const http = require('http'), https = require('https');
const up = +process.argv[3];
http.createServer((req, res) => {
  https.get({host: '127.0.0.1', port: up, path: '/a.txt?via=' + req.url.slice(1), agent: false,
             rejectUnauthorized: false}, r => {
    let n = 0; r.on('data', d => n += d.length);
    r.on('end', () => { res.writeHead(200, {'content-type': 'text/plain'});
                        res.end(`upstream ${r.statusCode} ${n}\n`); });
  }).on('error', e => { res.writeHead(502); res.end(String(e)); });
}).listen(+process.argv[2], '127.0.0.1');
"""

TWO_JS = r"""
const https = require('https');
const [pa, pb] = [+process.argv[2], +process.argv[3]];
const a = new https.Agent({keepAlive: true}), b = new https.Agent({keepAlive: true});
const get = (port, path, agent) => new Promise((ok, fail) => https.get(
  {host: '127.0.0.1', port, path, agent, rejectUnauthorized: false},
  r => { r.resume(); r.on('end', () => r.statusCode === 200 ? ok() : fail(r.statusCode)); })
  .on('error', fail));
process.stdin.once('data', async () => {
  process.stdin.pause();
  await get(pa, '/a.txt?n=1', a); await get(pb, '/n2', b);
  await get(pa, '/a.txt?n=3', a); await get(pb, '/n4', b);
  a.destroy(); b.destroy();
});
"""


def test_node_connections_opened_after_other_reads():
    # a new TLS connection takes the socket whose ciphertext it reads, not the last socket
    # the thread read: a plaintext request or another TLS connection
    port, port_b = free_port(), free_port()
    front = Proc(["node", "-e", FRONT_JS, "x", str(port), str(NGX_PORT)])
    srv_b = Proc(["node", "-e", SERVER_JS, "x", str(port_b), KEY, CERT])
    wait_port(port)
    wait_port(port_b)
    try:
        s = Snoop("-p", front.pid)
        for i in (1, 2):
            r = subprocess.run(["curl", "-sS", f"http://127.0.0.1:{port}/{i}"],
                               capture_output=True, text=True, timeout=30)
            assert r.stdout == "upstream 200 15\n", r
        ex = s.stop()
        p = gated(["node", "-e", TWO_JS, "x", str(NGX_PORT), str(port_b)])
        s2 = Snoop("-p", p.pid)
        go(p)
        ex2 = s2.stop()
    finally:
        front.stop()
        srv_b.stop()
    for i in (1, 2):
        e = one(ex, method="GET", target=f"/{i}", status=200)
        assert not e["connection"]["tls"] and e["connection"]["role"] == "server", e
        assert e["connection"]["local"]["port"] == port, e["connection"]
        assert e["response"]["body"]["text"] == "upstream 200 15\n", e["response"]
        check(one(ex, method="GET", target=f"/a.txt?via={i}", status=200), "client", NGX_PORT,
              "node", front.pid)
    assert len(ex) == 4, ex
    for t, to in (("/a.txt?n=1", NGX_PORT), ("/n2", port_b), ("/a.txt?n=3", NGX_PORT),
                  ("/n4", port_b)):
        check(one(ex2, method="GET", target=t, status=200), "client", to, "node", p.pid)
    assert len(ex2) == 4, ex2


EXEC_JS = r"""
setTimeout(() => require('https').get(
  {host: '127.0.0.1', port: +process.argv[2], path: '/a.txt?after-exec', rejectUnauthorized: false},
  res => { res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 2)); }), 300);
"""


def test_target_that_runs_a_new_program():
    # a -p target whose libssl is hooked runs node in its place (execve, same pid): node's
    # own OpenSSL is hooked from the exec, and the request node makes is decoded
    no_httpsnoop_left()
    p = gated([sys.executable, "-c", "import os, ssl, sys; sys.stdin.readline(); "
               f"os.execvp('node', ['node', '-e', {EXEC_JS!r}, 'x', '{NGX_PORT}'])"])
    s = Snoop("-p", p.pid, "-v")
    go(p)
    ex = s.stop()
    check(one(ex, method="GET", target="/a.txt?after-exec", status=200), "client", NGX_PORT,
          "node", p.pid)
    assert f"pid {p.pid} (node): OpenSSL node hooked" in s.stderr, s.stderr

    # a program whose libssl its loader maps after the exec, and whose one request is over
    # long before the next look at its libraries: the usual directories' libssl was hooked
    # for it at the exec
    no_httpsnoop_left()
    p = gated(["sh", "-c", 'read go; exec curl -sk -o /dev/null "$1"', "sh",
               f"https://127.0.0.1:{NGX_PORT}/a.txt?exec-curl"])
    s = Snoop("-p", p.pid)
    go(p)
    check(one(s.stop(), method="GET", target="/a.txt?exec-curl", status=200), "client",
          NGX_PORT, "libssl.so", p.pid)


def test_library_replaced_on_disk():
    # a package upgrade replaces libssl under a running process: its maps say "(deleted)" and
    # the probes go through /proc/PID/map_files; the library is still named plainly
    libdir = tmpdir("hs-tls-lib-")
    copy = libssl_copy(libdir)
    p = gated([sys.executable, "-c", "import ssl, sys, urllib.request as u; "
               "c = ssl._create_unverified_context(); sys.stdin.readline(); "
               f"u.urlopen('https://127.0.0.1:{NGX_PORT}/a.txt?replaced', context=c).read()"],
              env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    end = time.time() + 10
    while copy not in open(f"/proc/{p.pid}/maps").read():	# ssl imported
        assert time.time() < end, "the client did not map its libssl copy"
        time.sleep(0.05)
    os.unlink(copy)
    libssl_copy(libdir)	# a new file in its place
    s = Snoop("-p", p.pid, "-v")
    go(p)
    ex = s.stop()
    e = one(ex, method="GET", target="/a.txt?replaced", status=200)
    check(e, "client", NGX_PORT, "libssl.so", p.pid)
    assert " " not in e["connection"]["tls_lib"], e["connection"]
    assert f"OpenSSL {os.path.basename(copy)} hooked ({copy} (deleted))" in s.stderr, s.stderr


def test_openssl_s_server_www_and_s_client():
    port = free_port()
    srv = Proc(["openssl", "s_server", "-www", "-quiet", "-accept", str(port),
                "-cert", CERT, "-key", KEY])
    wait_port(port)
    # the server is traced before the client connects: an SSL_read already waiting when the
    # probes are attached is not seen
    s_srv = Snoop("-p", srv.pid)
    cli = Proc(["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{port}"],
               stdin=subprocess.PIPE)
    s_cli = Snoop("-p", cli.pid)	# s_client waits in select() on stdin meanwhile
    cli.p.stdin.write(b"GET /s_client HTTP/1.0\r\nHost: localhost\r\n\r\n")
    cli.p.stdin.flush()
    cli.p.wait(timeout=20)	# -www answers and closes
    client_ex = s_cli.stop(settle=0)
    server_ex = s_srv.stop()
    srv.stop()
    server = one(server_ex, method="GET", target="/s_client", pid=srv.pid)
    client = one(client_ex, method="GET", target="/s_client", pid=cli.pid)
    check(server, "server", port, "libssl.so", srv.pid)
    check(client, "client", port, "libssl.so", cli.pid)
    for e in (server, client):
        assert e["response"]["status"] == 200, e["response"]
        assert e["response"]["headers"][0] == ["Content-type", "text/html"], e["response"]


def test_process_exits_while_traced():
    p = gated([sys.executable, "-c", CLIENT_PY, str(NGX_PORT)])
    s = Snoop("-p", p.pid)
    go(p)
    # httpsnoop ends by itself once its only target is gone, keeping what it saw
    s.p.wait(timeout=20)
    ex = s.stop(settle=0)
    assert s.rc == 0, s.stderr
    check(one(ex, target="/a.txt?via=urllib", status=200), "client", NGX_PORT, "libssl.so", p.pid)


BLOCKED_PY = r"""
import socket, ssl, sys
ctx = ssl._create_unverified_context()
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
print("ready", flush=True)
sys.stdin.readline()
s.recv(100)
"""

PLAIN_PY = r"""
import sys, urllib.request
sys.stdin.readline()
assert urllib.request.urlopen(sys.argv[1]).read() == b"hello over tls\n"
"""


def spawn_as(pid, argv, tries=50):
    """A gated client that the kernel gave this pid (the next pid is set through
    ns_last_pid; another process may take it first, so try again), or None."""
    for _ in range(tries):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        p = gated(argv)
        if p.pid == pid:
            return p
        p.p.kill()
        p.p.wait()
    return None


def test_pid_reused_after_kill_inside_ssl_read():
    # a client killed while blocked in SSL_read never returns from it; a later process with
    # its pid must not have its plain HTTP taken for that call's ciphertext and dropped
    port = free_port()
    Proc([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
          "--directory", TMP])
    wait_port(port)
    blocked = gated([sys.executable, "-c", BLOCKED_PY, str(NGX_PORT)], stdout=subprocess.PIPE)
    assert blocked.p.stdout.readline() == b"ready\n"
    s = Snoop("--port", port)
    blocked.p.stdin.write(b"go\n")
    blocked.p.stdin.flush()
    time.sleep(0.5)
    blocked.p.kill()
    blocked.p.wait()
    p = spawn_as(blocked.pid, [sys.executable, "-c", PLAIN_PY,
                               f"http://127.0.0.1:{port}/a.txt?pid-reused"])
    assert p is not None, f"pid {blocked.pid} was not given out again"
    go(p)
    ex = s.stop()
    e = one(ex, method="GET", target="/a.txt?pid-reused", status=200, pid=p.pid)
    assert e["connection"]["tls"] is False and e["connection"]["role"] == "client", e


def test_diagnostics():
    s = Snoop("-v", "-p", f"{WORKER},{os.getpid()}", json_out=False)
    s.stop(settle=0)
    assert f"pid {WORKER} (nginx): OpenSSL libssl.so" in s.stderr and "hooked" in s.stderr, \
        s.stderr
    # this python has not necessarily loaded ssl; either way the line says what was found
    assert f"pid {os.getpid()} (" in s.stderr, s.stderr
    # a TLS library that is not hooked is named, so that the process's silence is explained:
    # a library file named as wolfSSL's is, loaded by a process without OpenSSL or GnuTLS
    d = tmpdir("hs-wolf-")
    shutil.copy(sorted(glob.glob("/usr/lib/*/libz.so.1") + glob.glob("/lib*/libz.so.1"))[0],
                f"{d}/libwolfssl.so.42")
    p = Proc([sys.executable, "-c", f"import ctypes, sys; ctypes.CDLL({d!r} + '/libwolfssl.so.42');"
              " print(flush=True); sys.stdin.readline()"], stdin=subprocess.PIPE,
             stdout=subprocess.PIPE)
    try:
        p.p.stdout.readline()
        s = Snoop("-v", "-p", p.pid, json_out=False)
        s.stop(settle=0)
    finally:
        p.stop()
    assert f"pid {p.pid} (python3): no OpenSSL or GnuTLS: its TLS goes through wolfSSL " \
        "(libwolfssl.so.42)" in s.stderr, s.stderr


def test_capabilities_instead_of_root():
    """A copy with file capabilities, run as nobody, captures what httpsnoop(8) says each set
    of capabilities allows, and names what is missing instead of going quiet."""
    d = tmpdir("hs-caps-")
    # tracefs is root's alone on most systems (mode 700): then CAP_DAC_READ_SEARCH is missing
    if not os.stat("/sys/kernel/tracing/events").st_mode & 0o005:
        nobody = as_nobody("cap_bpf,cap_perfmon", d)
        p = subprocess.run(nobody + ["-p", str(WORKER)], capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 1 and p.stderr.count("\n") == 1, (p.returncode, p.stderr)
        assert "permission denied: run as root, or add CAP_DAC_READ_SEARCH" in p.stderr, \
            p.stderr

    # plaintext is captured (nginx's plaintext upstream). nginx's TLS (root's): through
    # uprobe_multi links (Linux 6.6+), which CAP_BPF and CAP_PERFMON attach to any process,
    # its libssl is hooked at the usual directories' copy; through perf events (older kernels,
    # or forced), attaching needs CAP_SYS_ADMIN and its files root: named as not hooked
    for env in ([], ["env", "HTTPSNOOP_UPROBES=perf"]):
        s = Snoop("-v", "-p", WORKER,
                  cmd=env + as_nobody("cap_bpf,cap_perfmon,cap_dac_read_search", d))
        multi = "uprobes are attached through uprobe_multi links" in s.stderr_now()
        kernel = tuple(int(x) for x in os.uname().release.split(".")[:2])
        forced = os.environ.get("HTTPSNOOP_UPROBES") == "perf"
        assert multi == (not env and not forced and kernel >= (6, 6)), s.stderr_now()
        assert curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/up/a.txt") == "200 "
        ex = s.stop()
        e = one(ex, method="GET", target="/a.txt", status=200)
        assert e["connection"]["tls"] is False and e["connection"]["remote"]["port"] == UP_PORT, e
        if multi:
            check(one(ex, method="GET", target="/up/a.txt", status=200), "server", NGX_PORT,
                  "libssl.so", WORKER)
            continue
        assert not find(ex, target="/up/a.txt"), ex
        assert f"pid {WORKER} (nginx): OpenSSL libssl.so" in s.stderr, s.stderr
        assert "(needs root" in s.stderr and "its TLS traffic will not be seen" in s.stderr, \
            s.stderr

    s = Snoop("-p", WORKER, cmd=as_nobody(
        "cap_bpf,cap_perfmon,cap_dac_read_search,cap_sys_ptrace,cap_sys_admin", d))
    assert curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/a.txt") == "200 "
    check(one(s.stop(), method="GET", target="/a.txt", status=200), "server", NGX_PORT,
          "libssl.so", WORKER)
    assert "not hooked" not in s.stderr, s.stderr


# TLS records between two sockets of a process that loads no TLS library at all, as Java's
# own TLS, rustls or a BoringSSL linked into the executable look from outside
FAKE_TLS = r"""
import socket, sys, threading
rec = lambda t, body: bytes([t, 3, 3]) + len(body).to_bytes(2, "big") + body
l = socket.create_server(("127.0.0.1", 0))
def serve():
    c, _ = l.accept()
    c.recv(4096)
    c.sendall(rec(22, b"\x02" + b"s" * 80) + rec(23, b"x" * 40))
    c.recv(4096)
    c.sendall(rec(23, b"y" * 100))
    c.close()
threading.Thread(target=serve, daemon=True).start()
sys.stdin.readline()
s = socket.create_connection(l.getsockname())
s.sendall(rec(22, b"\x01" + b"c" * 100))
s.recv(4096)
s.sendall(rec(23, b"z" * 60))
s.recv(4096)
s.close()
print(l.getsockname()[1], flush=True)
sys.stdin.readline()
"""


def test_tls_through_a_library_not_hooked_is_named():
    p = Proc([sys.executable, "-c", FAKE_TLS], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        s = Snoop("-p", p.pid)
        p.p.stdin.write(b"go\n")
        p.p.stdin.flush()
        assert p.p.stdout.readline()	# the exchange is over
        ex = s.stop()
    finally:
        p.stop()
    assert ex == [], ex
    assert s.stderr.count("was not shown") == 1, s.stderr	# once per command
    assert f"httpsnoop: pid {p.pid} (python3): its TLS with 127.0.0.1:" in s.stderr, s.stderr
    assert "was not shown: it uses no TLS library that is hooked (OpenSSL, GnuTLS, Go " \
        "crypto/tls)" in s.stderr, s.stderr
    # a hooked client's TLS is shown, and not named
    s = Snoop("-p", WORKER)
    assert curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/a.txt") == "200 "
    one(s.stop(), method="GET", target="/a.txt", status=200)
    assert "was not shown" not in s.stderr, s.stderr


# An HTTP CONNECT proxy, and a client that tunnels HTTPS through it (HTTPS_PROXY): the socket
# carries the plaintext CONNECT exchange, then TLS
PROXY_PY = r"""
import socket, sys, threading
def pipe(a, b):
    while d := a.recv(65536):
        b.sendall(d)
    b.shutdown(socket.SHUT_WR)
def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(4096)
    host, port = head.split()[1].decode().rsplit(":", 1)
    up = socket.create_connection((host, int(port)))
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(up, c), daemon=True).start()
    pipe(c, up)
l = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    threading.Thread(target=handle, args=(l.accept()[0],), daemon=True).start()
"""

TUNNEL_PY = r"""
import http.client, ssl, sys
sys.stdin.readline()
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ssl._create_unverified_context())
c.set_tunnel("127.0.0.1", int(sys.argv[2]))
for i in range(2):
    c.request("GET", f"/a.txt?tunnel={i}")
    assert c.getresponse().read() == b"hello over tls\n"
"""


def test_https_through_connect_proxy():
    pport = free_port()
    proxy = Proc([sys.executable, "-c", PROXY_PY, str(pport)])
    wait_port(pport)
    p = gated([sys.executable, "-c", TUNNEL_PY, str(pport), str(NGX_PORT)])
    try:
        s = Snoop("-p", p.pid)
        go(p)
        ex = s.stop()
    finally:
        proxy.stop()
    conn = one(ex, method="CONNECT", target=f"127.0.0.1:{NGX_PORT}", status=200)
    assert conn["flags"]["upgrade"], conn["flags"]	# a tunnel follows, not decoded as HTTP
    c = conn["connection"]
    assert (c["tls"], c["role"], c["remote"]["port"]) == (False, "client", pport), c
    for i in range(2):
        e = one(ex, method="GET", target=f"/a.txt?tunnel={i}", status=200)
        check(e, "client", pport, "libssl.so", p.pid)
        assert e["connection"]["local"] == c["local"], e["connection"]
        assert e["response"]["body"]["text"] == "hello over tls\n"
    assert len(ex) == 3, ex


def test_no_ciphertext_reported():
    # --raw shows every captured chunk: on a hooked TLS socket only plaintext may appear
    s = Snoop("--raw", "-p", WORKER, json_out=False)
    assert curl("-o", "/dev/null", f"https://127.0.0.1:{NGX_PORT}/a.txt") == "200 "
    lines = s.stop()
    heads = [ln for ln in lines if ln[:1].isdigit()]
    assert any("TLS(libssl.so" in ln for ln in heads), lines[:20]
    after_tls = False
    for ln in heads:
        after_tls |= "TLS(" in ln
        assert not (after_tls and ln.endswith("syscall")), heads


run_tests(globals())
