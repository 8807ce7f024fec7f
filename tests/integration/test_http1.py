"""Root integration tests of plaintext capture and HTTP/1 decoding against real programs:
python3 http.server, nginx and curl. Servers start once for the whole file."""
import base64
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (Proc, Snoop, find, free_port, header, nginx, one, require_root_bpf,  # noqa: E402
                run_tests, tmpdir, wait_port)

require_root_bpf()

WWW = tmpdir("hs-www-")
BIG = bytes((i * 7 + 13) % 251 for i in range(1 << 20))	# 1 MiB, not text
with open(os.path.join(WWW, "big.bin"), "wb") as f:
    f.write(BIG)
with open(os.path.join(WWW, "a.txt"), "w") as f:
    f.write("hello from a\n")

PY_PORT = free_port()
PY = Proc([sys.executable, "-m", "http.server", str(PY_PORT), "--bind", "127.0.0.1",
           "--directory", WWW])
wait_port(PY_PORT)

# an application server on a Unix socket, as gunicorn behind nginx or the Docker daemon
UX_SOCK = os.path.join(tmpdir("hs-unix-"), "app.sock")
UX_SERVER = r"""
import http.server, socketserver, sys
class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def address_string(self):
        return "unix"
    def log_message(self, *args):
        pass
    def do_GET(self):
        body = ("unix answers %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
Server(sys.argv[1], Handler).serve_forever()
"""
UX = Proc([sys.executable, "-c", UX_SERVER, UX_SOCK])
for _ in range(100):
    if os.path.exists(UX_SOCK):
        break
    time.sleep(0.05)

NGX_PORT, NGX, NGX_WORKERS, NGX_DIR = nginx("""
    sendfile off;
    location /gz/ { gzip on; gzip_min_length 1; gzip_types text/plain; }
    location /echo { client_max_body_size 2m; proxy_pass http://127.0.0.1:%d; }
    location /sf/ { sendfile on; }
    location /slow/ { limit_rate 256k; }
    location /ux/ { proxy_pass http://unix:%s:/; }
    location / { etag on; }
""" % (PY_PORT, UX_SOCK))
with open(os.path.join(NGX_DIR, "html", "index.html"), "w") as f:
    f.write("<h1>nginx test</h1>\n")
with open(os.path.join(NGX_DIR, "html", "big.bin"), "wb") as f:
    f.write(BIG)
os.makedirs(os.path.join(NGX_DIR, "html", "slow"))
os.link(os.path.join(NGX_DIR, "html", "big.bin"), os.path.join(NGX_DIR, "html", "slow", "big.bin"))
os.makedirs(os.path.join(NGX_DIR, "html", "sf"))
with open(os.path.join(NGX_DIR, "html", "sf", "big.bin"), "wb") as f:
    f.write(BIG)
with open(os.path.join(NGX_DIR, "html", "sf", "a.txt"), "w") as f:
    f.write("sent by sendfile\n")
os.makedirs(os.path.join(NGX_DIR, "html", "gz"))
GZ_TEXT = "".join(f"line {i} of a text that gzip squeezes\n" for i in range(300))
with open(os.path.join(NGX_DIR, "html", "gz", "t.txt"), "w") as f:
    f.write(GZ_TEXT)


def syscall_hooks():
    """Whether httpsnoop reads socket bytes at the system call tracepoints (before Linux
    6.5, or HTTPSNOOP_HOOKS=syscalls) rather than the socket tracepoints."""
    release = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    return os.environ.get("HTTPSNOOP_HOOKS") == "syscalls" or release < (6, 5)


def curl(*args):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} ", *args],
                          capture_output=True, text=True, timeout=60).stdout



def test_joined_mid_download_then_the_next_requests():
    # attached in the middle of a long response on a kept-alive connection: its rest is fed
    # to a guess that gives up after 64 KiB, and the next request line starts decoding again
    base = f"http://127.0.0.1:{NGX_PORT}"
    cl = subprocess.Popen(["curl", "-sS", "-o", "/dev/null", base + "/slow/big.bin",
                           "-o", "/dev/null", base + "/index.html?after=1",
                           "-o", "/dev/null", base + "/missing?after=2"])
    time.sleep(0.3)	# 1 MiB at 256 KiB/s: httpsnoop starts within the download
    s = Snoop("-p", cl.pid)
    assert cl.wait(timeout=60) == 0
    ex = s.stop()
    one(ex, method="GET", target="/index.html?after=1", status=200)
    one(ex, method="GET", target="/missing?after=2", status=404)


def test_python_server_side():
    s = Snoop("-p", PY.pid)
    assert curl(f"http://127.0.0.1:{PY_PORT}/a.txt") == "200 "
    assert curl(f"http://127.0.0.1:{PY_PORT}/missing") == "404 "
    ex = s.stop()
    a = one(ex, method="GET", target="/a.txt", status=200, pid=PY.pid)
    assert a["connection"]["role"] == "server"
    assert a["connection"]["local"]["port"] == PY_PORT
    assert a["connection"]["local"]["addr"] == "127.0.0.1"
    assert a["connection"]["remote"]["port"] != PY_PORT
    assert a["response"]["body"]["text"] == "hello from a\n"
    assert header(a["request"], "User-Agent").startswith("curl/")
    one(ex, method="GET", target="/missing", status=404)
    assert "2 exchanges printed" in s.stderr, s.stderr
    assert ", 0 lost" in s.stderr, s.stderr


def test_connection_opened_before_start():
    # the connection exists (and has carried one exchange) before httpsnoop starts
    c = http.client.HTTPConnection("127.0.0.1", NGX_PORT)
    c.request("GET", "/index.html")
    c.getresponse().read()
    s = Snoop("-p", os.getpid())
    c.request("GET", "/index.html?second")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"<h1>nginx test</h1>\n"
    c.close()
    ex = s.stop()
    e = one(ex, method="GET", target="/index.html?second", status=200)
    assert e["connection"]["role"] == "client"
    assert e["connection"]["remote"]["port"] == NGX_PORT
    assert e["response"]["body"]["text"] == "<h1>nginx test</h1>\n"


def test_connection_opened_after_start_has_its_local_port():
    # the kernel picks a connecting socket's port after the socket has started to connect:
    # the port shown must be the one the connection got, not the 0 it had at first
    s = Snoop("-p", os.getpid())
    c = http.client.HTTPConnection("127.0.0.1", NGX_PORT)
    c.connect()
    lport = c.sock.getsockname()[1]
    c.request("GET", "/index.html?after")
    assert c.getresponse().read() == b"<h1>nginx test</h1>\n"
    c.close()
    ex = s.stop()
    e = one(ex, method="GET", target="/index.html?after", status=200)
    assert e["connection"]["role"] == "client"
    assert e["connection"]["local"] == {"addr": "127.0.0.1", "port": lport}, e["connection"]
    assert e["connection"]["remote"] == {"addr": "127.0.0.1", "port": NGX_PORT}


def test_1mib_response_captured_whole():
    s = Snoop("-p", NGX_WORKERS[0], "-s", "0")
    assert curl(f"http://127.0.0.1:{NGX_PORT}/big.bin") == "200 "
    ex = s.stop()
    e = one(ex, method="GET", target="/big.bin", status=200)
    body = e["response"]["body"]
    assert body["size"] == len(BIG) and body["captured"] == len(BIG), body.get("size")
    assert base64.b64decode(body["base64"]) == BIG
    assert not e["flags"]["gap"] and not e["flags"]["truncated"]


def test_curl_keepalive_chunked_head_304():
    base = f"http://127.0.0.1:{NGX_PORT}"
    etag = subprocess.run(["curl", "-sI", base + "/index.html"], capture_output=True,
                          text=True).stdout
    etag = [l.split(":", 1)[1].strip() for l in etag.splitlines() if l.lower().startswith("etag")][0]
    s = Snoop("-p", NGX_WORKERS[0])
    null = ["-o", "/dev/null"]
    out = subprocess.run(["curl", "-sS", "-w", "%{http_code} ",
                          base + "/index.html", *null, "-H", "Accept-Encoding: gzip", base + "/gz/t.txt", *null,
                          base + "/nothing-here", *null,
                          "--next", "-H", f"If-None-Match: {etag}", "-w", "%{http_code} ", *null,
                          base + "/index.html",
                          "--next", "-I", "-w", "%{http_code} ", *null, base + "/index.html"],
                         capture_output=True, text=True, timeout=60).stdout
    assert out.split() == ["200", "200", "404", "304", "200"], out
    ex = s.stop()
    # one curl process, several URLs on one kept-alive connection
    keep = find(ex, method="GET", target="/gz/t.txt")
    assert len(keep) == 1
    ports = {e["connection"]["remote"]["port"] for e in ex if e["request"]["target"] in
             ("/gz/t.txt", "/nothing-here")}
    assert len(ports) == 1, ports
    ch = keep[0]
    assert header(ch["response"], "Transfer-Encoding") == "chunked"
    # gzip on nginx means chunked framing; the body is shown decompressed
    assert header(ch["response"], "Content-Encoding") == "gzip"
    assert ch["response"]["body"]["encoding"] == "gzip"
    assert ch["response"]["body"]["text"] == GZ_TEXT
    nm = find(ex, method="GET", target="/index.html", status=304)
    assert nm and nm[0]["response"]["body"] is None or nm[0]["sizes"]["response_body"] == 0
    head = one(ex, method="HEAD", target="/index.html", status=200)
    assert head["sizes"]["response_body"] == 0
    assert header(head["response"], "Content-Length") == "20"
    for e in ex:
        assert not e["flags"]["no_response"], e


def test_post_100k_expect_continue():
    body = bytes(ord("a") + i % 26 for i in range(100 * 1024))
    path = os.path.join(WWW, "post.bin")
    with open(path, "wb") as f:
        f.write(body)
    s = Snoop("-p", NGX_WORKERS[0], "-s", "0")
    # curl sends Expect: 100-continue for a body this large; nginx answers 100 first
    out = curl("-X", "POST", "--data-binary", "@" + path, "-H", "Expect: 100-continue",
               f"http://127.0.0.1:{NGX_PORT}/echo")
    ex = s.stop()
    assert out.strip() in ("501", "200", "405"), out
    server_side = [e for e in ex if e["request"]["method"] == "POST"
                   and e["connection"]["role"] == "server"]
    assert len(server_side) == 1, ex
    e = server_side[0]
    assert header(e["request"], "Expect") == "100-continue"
    assert e["request"]["body"]["size"] == len(body)
    assert e["request"]["body"]["text"].encode() == body
    assert e["response"]["status"] == int(out), e["response"]["status"]
    # the interim response is part of the exchange, not one of its own
    assert [(i["status"], i["reason"]) for i in e["response"]["interim"]] == \
        [(100, "Continue")], e["response"]
    assert all(not x["response"] or x["response"]["status"] >= 200 for x in ex), ex


def test_pid_filter_excludes_others():
    s = Snoop("-p", PY.pid)
    curl(f"http://127.0.0.1:{NGX_PORT}/index.html")
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    ex = s.stop()
    assert all(e["process"]["pid"] == PY.pid for e in ex), ex
    one(ex, target="/a.txt")


def test_text_output_and_count():
    s = Snoop("-p", PY.pid, "-c", "1", json_out=False)
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt", f"http://127.0.0.1:{PY_PORT}/a.txt")
    lines = s.stop(settle=1.0)
    assert s.rc == 0, s.stderr
    assert len(lines) == 1, lines
    assert " GET /a.txt " in lines[0] and " 200 OK" in lines[0], lines[0]
    assert f"python3[{PY.pid}]" in lines[0] or f"[{PY.pid}]" in lines[0], lines[0]


def test_pipe_reader_gone_ends_the_run():
    # httpsnoop | head -1: once the reader has gone, httpsnoop ends at once, not at the write
    # of an exchange that may never come
    p = subprocess.Popen([sys.argv[1], "-p", str(PY.pid)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        err = b""
        while b"httpsnoop: tracing " not in err:
            line = p.stderr.readline()
            assert line, err
            err += line
        curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
        assert b" GET /a.txt " in p.stdout.readline()
        p.stdout.close()
        rc = p.wait(timeout=10)
        err += p.stderr.read()
    finally:
        p.kill()
        p.wait()
    assert rc == 0 and b"1 exchange printed" in err, (rc, err)
    assert b"writing" not in err, err	# a gone reader is not an error


def test_raw_mode_shows_bytes():
    s = Snoop("-p", PY.pid, "--raw")
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    recs = s.stop()
    data = b"".join(base64.b64decode(r["base64"]) for r in recs if r.get("base64"))
    assert b"GET /a.txt HTTP/1.1\r\n" in data, data[:200]
    assert b"hello from a\n" in data

    # python writes the file 64 KiB at a time: one object per write, not per 16 KiB record
    s = Snoop("-p", PY.pid, "--raw")
    curl(f"http://127.0.0.1:{PY_PORT}/big.bin")
    recs = s.stop()
    sizes = [r["size"] for r in recs if r["direction"] == "written"]
    assert max(sizes) == 65536 and sum(sizes) > len(BIG), sizes
    data = b"".join(base64.b64decode(r["base64"]) for r in recs if r["direction"] == "written")
    assert BIG in data

    # -c counts reads and writes, as tcpdump -c counts packets: the request read is one
    s = Snoop("-p", PY.pid, "--raw", "-c", "1")
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    s.p.wait(timeout=10)
    recs = s.stop(settle=0)
    assert s.rc == 0 and len(recs) == 1, (s.rc, recs)
    assert base64.b64decode(recs[0]["base64"]).startswith(b"GET /a.txt "), recs
    assert "1 read or write printed" in s.stderr, s.stderr


def test_sendfile_bytes_are_counted_not_captured():
    # nginx sends static files with sendfile(): those bytes never pass through user memory.
    # They are counted, not captured, and the exchanges after them on the same connection
    # still decode (the kernel splits a large sendfile into many socket sends)
    base = f"http://127.0.0.1:{NGX_PORT}"
    s = Snoop("-p", NGX_WORKERS[0])
    out = curl(base + "/sf/big.bin", "-o", "/dev/null", base + "/sf/a.txt", "-o", "/dev/null",
               base + "/index.html")
    assert out.split() == ["200", "200", "200"], out
    ex = s.stop()
    big = one(ex, method="GET", target="/sf/big.bin", status=200)
    assert big["response"]["body"]["size"] == len(BIG), big["response"]["body"]
    assert big["response"]["body"]["captured"] == 0, big["response"]["body"]
    small = one(ex, method="GET", target="/sf/a.txt", status=200)
    assert small["response"]["body"]["size"] == len("sent by sendfile\n")
    assert header(small["response"], "Content-Length") == str(len("sent by sendfile\n"))
    last = one(ex, method="GET", target="/index.html", status=200)
    assert last["response"]["body"]["text"] == "<h1>nginx test</h1>\n"
    ports = {e["connection"]["remote"]["port"] for e in (big, small, last)}
    assert len(ports) == 1, ports
    assert f"{len(BIG) + len('sent by sendfile')+ 1} bytes not captured" in s.stderr, s.stderr


# A server (and a client) that move bytes with splice() and writev(), as HAProxy and node do
RAW_PEER = r"""
import os, socket, sys, time
def head(c):	# a byte at a time, so that the body stays in the socket
    h = b""
    while not h.endswith(b"\r\n\r\n"):
        b = c.recv(1)
        if not b:
            return None
        h += b
    return h
def length(h):
    for line in h.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0
def splice_in(c, n=None):	# from the socket into a pipe: never in this process's buffers
    r, w = os.pipe()
    got = 0
    while n is None or got < n:
        k = os.splice(c.fileno(), w, 65536 if n is None else min(n - got, 65536))
        if k == 0:
            break
        os.read(r, k)
        got += k
    return got
def splice_out(c, data):
    r, w = os.pipe()
    for i in range(0, len(data), 65536):
        k = os.write(w, data[i:i + 65536])
        while k:
            k -= os.splice(r, c.fileno(), k)
port = int(sys.argv[1])
if sys.argv[2:] == ["client"]:	# GET, the body read by splice up to the end, close
    sys.stdin.readline()
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"GET /splice/20000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    n = length(head(c))
    print(n, splice_in(c), flush=True)
    c.close()
    sys.exit()
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port))
l.listen()
while True:
    c, _ = l.accept()
    while (h := head(c)) is not None:
        target = h.split(b" ")[1]
        got = splice_in(c, length(h))
        if target.startswith(b"/writev/"):	# one iovec per piece, as node's corked writes
            parts = [b"%d," % i for i in range(int(target[8:]))]
            hdr = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % sum(map(len, parts))
            assert os.writev(c.fileno(), [hdr] + parts) == len(hdr) + sum(map(len, parts))
        elif target.startswith(b"/one-send/"):	# headers and body in one blocking send()
            body = bytes(i % 251 for i in range(int(target[10:])))
            hdr = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
            assert c.send(hdr + body) == len(hdr) + len(body)
        elif target.startswith(b"/sendfile/"):	# the whole response, headers too, from a file
            body = bytes(i % 251 for i in range(int(target[10:])))
            with open(sys.argv[3], "wb") as f:
                f.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            with open(sys.argv[3], "rb") as f:
                n, off = os.fstat(f.fileno()).st_size, 0
                while off < n:
                    off += os.sendfile(c.fileno(), f.fileno(), off, n - off)
        elif target.startswith(b"/hold/"):	# a body ended by the close, which comes late
            c.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + b"h" * int(target[6:]))
            time.sleep(4)
            break
        elif target.startswith(b"/splice/"):
            hdr = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % int(target[8:])
            c.sendall(hdr)
            splice_out(c, bytes(i % 251 for i in range(int(target[8:]))))
        else:
            body = b"%s after %d bytes\n" % (target, got)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        if b"close" in h.lower():
            break
    c.close()
"""


def test_spliced_bytes_are_counted_not_captured():
    # splice() moves bytes between a socket and a pipe (HAProxy forwards bodies so): they pass
    # through no call whose bytes are captured. A request body spliced in and a response body
    # spliced out are counted, not captured, and the next exchange on the connection decodes;
    # a client that reads a body by splice up to the end and closes sees it whole.
    port = free_port()
    srv = Proc([sys.executable, "-c", RAW_PEER, str(port)])
    wait_port(port)
    cli = Proc([sys.executable, "-c", RAW_PEER, str(port), "client"], stdin=subprocess.PIPE,
               stdout=subprocess.PIPE)
    s = Snoop("-p", f"{srv.pid},{cli.pid}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/up", body=bytes(50000))
    assert conn.getresponse().read() == b"/up after 50000 bytes\n"
    conn.request("GET", "/splice/30000")
    assert len(conn.getresponse().read()) == 30000
    conn.request("GET", "/plain")
    assert conn.getresponse().read() == b"/plain after 0 bytes\n"
    conn.close()
    cli.p.stdin.write(b"go\n")
    cli.p.stdin.flush()
    assert cli.p.stdout.readline() == b"20000 20000\n"
    ex = s.stop()
    srv.stop()
    up = one(ex, method="POST", target="/up", status=200, pid=srv.pid)
    assert up["request"]["body"]["size"] == 50000 and up["request"]["body"]["captured"] == 0, up
    assert up["response"]["body"]["text"] == "/up after 50000 bytes\n", up
    sp = one(ex, method="GET", target="/splice/30000", status=200, pid=srv.pid)
    assert sp["response"]["body"]["size"] == 30000 and sp["response"]["body"]["captured"] == 0
    plain = one(ex, method="GET", target="/plain", status=200, pid=srv.pid)
    assert plain["response"]["body"]["text"] == "/plain after 0 bytes\n", plain
    assert not plain["flags"]["gap"], plain
    for pid in (srv.pid, cli.pid):
        e = one(ex, method="GET", target="/splice/20000", status=200, pid=pid)
        assert e["response"]["body"]["size"] == 20000, e
        assert not e["flags"]["incomplete"], e
    assert len(ex) == 5, ex
    assert "120000 bytes not captured" in s.stderr, s.stderr


def test_call_beyond_the_copy_budget():
    # one system call copies at most 2 MiB: the rest of a bigger send is counted as not
    # captured at once (the response is complete though it is the connection's last bytes),
    # the response keeps its size, and the exchanges around it on the connection decode
    port = free_port()
    srv = Proc([sys.executable, "-c", RAW_PEER, str(port)])
    wait_port(port)
    s = Snoop("-p", srv.pid, "-s", "0")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in ("/one-send/3000000", "/next", "/one-send/3000000"):
        conn.request("GET", path)
        assert len(conn.getresponse().read()) == (20 if path == "/next" else 3000000)
    conn.close()
    ex = s.stop()
    srv.stop()
    bigs = find(ex, method="GET", target="/one-send/3000000", status=200)
    assert len(bigs) == 2, ex
    hdr = len(b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n")
    for big in bigs:
        body = big["response"]["body"]
        assert body["size"] == 3000000, body.get("size")
        assert body["captured"] == (2 << 20) - hdr, body.get("captured")
        assert base64.b64decode(body["base64"]) == bytes(i % 251 for i in range(body["captured"]))
        assert big["flags"]["gap"] and not big["flags"]["incomplete"], big["flags"]
    nxt = one(ex, method="GET", target="/next", status=200)
    assert nxt["response"]["body"]["text"] == "/next after 0 bytes\n", nxt
    assert f" {2 * (hdr + 3000000 - (2 << 20))} bytes not captured" in s.stderr, s.stderr


def test_response_never_captured_keeps_its_place():
    # a response sent whole, status line too, with sendfile() passes through no captured
    # call: it shows as a response not decoded, with the gap, and the responses after it on
    # the connection are still paired with their own requests
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        srv = Proc([sys.executable, "-c", RAW_PEER, str(port), "server", os.path.join(d, "r")])
        wait_port(port)
        s = Snoop("-p", srv.pid, "-s", "0")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in ("/a", "/sendfile/100", "/c", "/d"):
            conn.request("GET", path)
            conn.getresponse().read()
        conn.close()
        ex = s.stop()
        srv.stop()
    assert len(ex) == 4, ex
    sf = one(ex, method="GET", target="/sendfile/100")
    assert sf["response"]["status"] is None and sf["flags"]["invalid_response"], sf
    assert sf["flags"]["gap"], sf["flags"]
    for path in ("/a", "/c", "/d"):
        e = one(ex, method="GET", target=path, status=200)
        assert e["response"]["body"]["text"] == f"{path} after 0 bytes\n", e
    hdr = len(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    assert f" {hdr + 100} bytes not captured" in s.stderr, s.stderr


def test_body_ended_by_close_is_incomplete_until_the_close():
    # a response with no length ends at the close: stopped before it, httpsnoop prints it
    # [incomplete]; when the close comes first, whole. Traced on the client, which reads the
    # end of the stream and keeps its socket open, the response is whole once that is read.
    port = free_port()
    srv = Proc([sys.executable, "-c", RAW_PEER, str(port)])
    wait_port(port)
    for traced, wait_close in ((srv.pid, False), (srv.pid, True), (os.getpid(), False),
                               (os.getpid(), True)):
        s = Snoop("-p", traced)
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"GET /hold/5000 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while len(got) < len("HTTP/1.1 200 OK\r\n\r\n") + 5000:
            got += c.recv(65536)
        if wait_close:
            assert c.recv(1) == b""
        ex = s.stop()
        c.close()
        ex = [e for e in ex if not e["flags"]["streaming"]]	# a look a second in
        e = one(ex, method="GET", target="/hold/5000", status=200)
        assert e["process"]["pid"] == traced, e["process"]
        assert e["sizes"]["response_body"] == 5000, e["sizes"]
        assert e["response"]["body"]["text"].startswith("hhhh"), e["response"]["body"]
        assert e["flags"]["incomplete"] is not wait_close, (traced, wait_close, e["flags"])
    srv.stop()


HAPROXY_SPLICE_CFG = """
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option splice-auto
  option splice-response
frontend fe
  bind 127.0.0.1:%d
  default_backend be
backend be
  server py 127.0.0.1:%d
"""


def test_writev_of_many_iovecs_captured_whole():
    # node writes each corked chunk as four iovecs: a writev of 150 is captured whole
    port = free_port()
    srv = Proc([sys.executable, "-c", RAW_PEER, str(port)])
    wait_port(port)
    s = Snoop("-p", srv.pid)
    body = subprocess.run(["curl", "-sS", f"http://127.0.0.1:{port}/writev/149"],
                          capture_output=True, text=True, timeout=30).stdout
    ex = s.stop()
    srv.stop()
    assert body == "".join(f"{i}," for i in range(149)), body
    e = one(ex, method="GET", target="/writev/149", status=200)
    assert e["response"]["body"]["text"] == body and not e["flags"]["gap"], e
    assert "0 bytes not captured" in s.stderr, s.stderr


def test_haproxy_splicing_bodies():
    # HAProxy moves bodies between its sockets with splice(): the 1 MiB bodies are counted
    # on both connections (the client's and the backend's) and what follows still decodes
    port = free_port()
    cfg = os.path.join(WWW, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(HAPROXY_SPLICE_CFG % (port, PY_PORT))
    hap = Proc(["haproxy", "-db", "-f", cfg])
    try:
        wait_port(port)
        s = Snoop("-p", hap.pid)
        base = f"http://127.0.0.1:{port}"
        out = curl(base + "/big.bin", "-o", "/dev/null", base + "/a.txt", "-o", "/dev/null",
                   base + "/big.bin?2", "-o", "/dev/null", base + "/a.txt?2")
        ex = s.stop()
    finally:
        hap.stop()
    assert out.split() == ["200"] * 4, out
    assert len(ex) == 8, [(e["connection"]["role"], e["request"]["target"]) for e in ex]
    for role in ("server", "client"):
        side = [e for e in ex if e["connection"]["role"] == role]
        for q in ("", "?2"):
            big = one(side, method="GET", target="/big.bin" + q, status=200)
            assert big["response"]["body"]["size"] == len(BIG), big["response"]["body"]
            assert not big["flags"]["incomplete"], big
            a = one(side, method="GET", target="/a.txt" + q, status=200)
            assert a["response"]["body"]["text"] == "hello from a\n", a
    # (a gap: bytes that were moved but never copied; else HAProxy did not splice)
    assert any(e["flags"]["gap"] for e in ex), "HAProxy did not splice"
    assert " 0 bytes not captured" not in s.stderr, s.stderr


def test_hooks_are_named():
    # -v tells where socket bytes are read: the socket tracepoints on Linux 6.5+, the system
    # call tracepoints before, or with HTTPSNOOP_HOOKS=syscalls (the test tier that runs this
    # file again that way checks here that it tests what it means to)
    s = Snoop("-v", "-p", os.getpid())
    ex = s.stop()
    assert ex == [], ex
    want = "system call tracepoints" if syscall_hooks() else "socket tracepoints"
    assert f"httpsnoop: socket bytes are read at the {want}" in s.stderr, s.stderr


def test_missing_pid_is_an_error():
    p = subprocess.run([sys.argv[1], "-p", "999999999"], capture_output=True, text=True)
    assert p.returncode == 1 and "no process with pid 999999999" in p.stderr, p.stderr
    p = subprocess.run([sys.argv[1], "-p", "abc"], capture_output=True, text=True)
    assert p.returncode == 2 and "abc" in p.stderr, p.stderr
    # -p "$(pgrep -d, name)" with nothing running: an error, never every process
    for empty in ("", ","):
        p = subprocess.run([sys.argv[1], "-p", empty], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 2 and "-p names no process" in p.stderr, p.stderr
    # a kernel thread (flag PF_KTHREAD in /proc/PID/stat; none is visible in a pid namespace)
    kthreads = [int(d) for d in os.listdir("/proc") if d.isdigit() and kernel_thread(d)]
    if kthreads:
        p = subprocess.run([sys.argv[1], "-p", str(kthreads[0])], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 1 and p.stderr.endswith(
            ") is a kernel thread: it has no sockets of its own to trace\n"), p.stderr
    # a process that has exited and waits to be reaped: nothing could ever come
    zombie = subprocess.Popen(["true"])
    while open(f"/proc/{zombie.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)
    p = subprocess.run([sys.argv[1], "-p", str(zombie.pid)], capture_output=True, text=True,
                       timeout=30)
    zombie.wait()
    assert p.returncode == 1 and f"pid {zombie.pid} (true) has exited" in p.stderr, p.stderr
    # but a process whose main thread ended while another one runs is traced
    lone = Proc([sys.executable, "-c", "import threading, time\n"
                 "threading.Thread(target=time.sleep, args=(60,)).start()\n"
                 "import ctypes; ctypes.CDLL(None).pthread_exit(None)"])
    while open(f"/proc/{lone.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)
    Snoop("-p", lone.pid).stop(settle=0)
    lone.stop()


def kernel_thread(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[6]) & 0x00200000
    except (OSError, IndexError, ValueError):
        return False


URING_SERVER = r"""
import ctypes, http.server, sys, threading, time
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
if sys.argv[2] == "later":
    sys.stdin.readline()
params = ctypes.create_string_buffer(120)	# struct io_uring_params
fd = ctypes.CDLL(None, use_errno=True).syscall(425, 8, params)	# io_uring_setup (x86-64)
assert fd >= 0, "io_uring_setup failed: errno %d" % ctypes.get_errno()
time.sleep(600)
"""


def test_io_uring_users_are_named():
    """A target holding an io_uring instance is named on stderr, whether the ring exists when
    tracing starts or comes later; its plain system call I/O is still captured."""
    ports = [free_port(), free_port()]
    early = Proc([sys.executable, "-c", URING_SERVER, str(ports[0]), "now"], cwd=WWW)
    late = Proc([sys.executable, "-c", URING_SERVER, str(ports[1]), "later"], cwd=WWW,
                stdin=subprocess.PIPE)
    for p in ports:
        wait_port(p)
    time.sleep(0.3)
    s = Snoop("-p", early.pid, "-p", late.pid)
    at_start = s.stderr_now()
    assert f"pid {early.pid} (python3): uses io_uring: socket I/O it submits there is not " \
        "seen" in at_start, at_start
    assert f"pid {late.pid}" not in at_start, at_start
    assert curl(f"http://127.0.0.1:{ports[1]}/a.txt") == "200 "
    late.p.stdin.write(b"ring\n")
    late.p.stdin.flush()
    assert s.wait_for(f"pid {late.pid} (python3): uses io_uring", timeout=10, stderr=True)
    ex = s.stop()
    assert s.stderr.count("uses io_uring") == 2, s.stderr
    one(ex, method="GET", target="/a.txt", status=200, pid=late.pid)
    early.stop()
    late.stop()
    # a process without a ring is not named
    s = Snoop("-p", PY.pid)
    s.stop(settle=0)
    assert "io_uring" not in s.stderr, s.stderr


# Receives each request through io_uring, handed to an io_uring worker thread (IOSQE_ASYNC),
# and answers with send(). Raw syscalls: no liburing in Debian's python3.
URING_RECV_SERVER = r"""
import ctypes, mmap, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
params = ctypes.create_string_buffer(120)
rfd = libc.syscall(425, 4, params)		# io_uring_setup
assert rfd >= 0, ctypes.get_errno()
p = params.raw
sq_entries, cq_entries = struct.unpack_from("II", p, 0)
sq = struct.unpack_from("IIIIIIII", p, 40)	# head tail mask entries flags dropped array
cq = struct.unpack_from("IIIIII", p, 80)	# head tail mask entries overflow cqes
def mm(size, off):
    a = libc.mmap(None, size, 3, 0x8001, rfd, off)	# PROT_READ|WRITE, MAP_SHARED|POPULATE
    assert a not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
    return a
sqr = mm(sq[6] + sq_entries * 4, 0)
cqr = mm(cq[5] + cq_entries * 16, 0x8000000)
sqes = mm(sq_entries * 64, 0x10000000)
u32 = lambda a: ctypes.c_uint32.from_address(a)
def uring_recv(fd, buf):
    sqe = bytearray(64)
    struct.pack_into("BBHiQQI", sqe, 0, 27, 1 << 4, 0, fd, 0, ctypes.addressof(buf), len(buf))  # RECV, IOSQE_ASYNC
    ctypes.memmove(sqes, bytes(sqe), 64)
    tail = u32(sqr + sq[1]).value
    u32(sqr + sq[6] + 4 * (tail & u32(sqr + sq[2]).value)).value = 0
    u32(sqr + sq[1]).value = tail + 1
    n = libc.syscall(426, rfd, 1, 1, 1, None, 0)	# io_uring_enter, GETEVENTS
    assert n == 1, ctypes.get_errno()
    head = u32(cqr + cq[0]).value
    res = ctypes.c_int32.from_address(cqr + cq[5] + 16 * (head & u32(cqr + cq[2]).value) + 8).value
    u32(cqr + cq[0]).value = head + 1
    return res
l = socket.socket()
l.bind(("127.0.0.1", int(sys.argv[1])))
l.listen()
while True:
    c, _ = l.accept()
    buf = ctypes.create_string_buffer(4096)
    n = uring_recv(c.fileno(), buf)
    if n <= 0:	# wait_port's probe
        c.close()
        continue
    body = b"got %d bytes\n" % n
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    c.close()
"""


def test_io_uring_receive_is_not_taken_for_a_system_call():
    """A receive that an io_uring worker makes reaches the socket tracepoints too; it is no
    system call of the process, so its bytes are not captured: the exchange shows the
    response alone. With the system call hooks the socket is known from accept(), before
    the receive, and its bytes are counted as not captured; the socket tracepoints first
    meet it at the response."""
    port = free_port()
    srv = Proc([sys.executable, "-c", URING_RECV_SERVER, str(port)])
    wait_port(port)
    s = Snoop("-p", srv.pid)
    r = subprocess.run(["curl", "-sS", f"http://127.0.0.1:{port}/ring"], capture_output=True,
                       text=True, timeout=30)
    out = r.stdout
    assert out.startswith("got ") and out.endswith(" bytes\n"), (out, r.stderr)
    ex = s.stop()
    srv.stop()
    e = one(ex, status=200, pid=srv.pid)
    assert e["flags"]["no_request"], e
    assert e["response"]["body"]["text"] == out
    unseen = int(out.split()[1]) if syscall_hooks() else 0
    assert f", 0 lost (0 bytes), {unseen} bytes not captured" in s.stderr, s.stderr
    assert f"pid {srv.pid} (python3): uses io_uring" in s.stderr, s.stderr


THREADED_SERVER = r"""
import http.server, sys, threading
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
t = threading.Thread(target=srv.serve_forever)
t.start()
print(t.native_id, flush=True)
t.join()
"""


def test_thread_id_traces_its_process():
    """-p with a thread id (top -H, ps -L) traces the process the thread belongs to, once
    when the process is named too."""
    port = free_port()
    srv = Proc([sys.executable, "-c", THREADED_SERVER, str(port)], cwd=WWW,
               stdout=subprocess.PIPE)
    tid = int(srv.p.stdout.readline())
    wait_port(port)
    assert tid != srv.pid
    s = Snoop("-p", f"{tid},{srv.pid}", "-p", srv.pid)
    assert curl(f"http://127.0.0.1:{port}/a.txt") == "200 "
    ex = s.stop()
    assert f"{tid} is a thread of process {srv.pid} (python3): its process is traced" in \
        s.stderr, s.stderr
    assert "httpsnoop: tracing 1 process," in s.stderr, s.stderr
    one(ex, method="GET", target="/a.txt", status=200, pid=srv.pid)
    srv.stop()


def test_non_root_is_a_clear_error():
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", sys.argv[1], "-p", str(PY.pid)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs root" in lines[0], p.stderr
    assert p.stdout == ""


def test_hostile_command_name_is_escaped_on_stderr_too():
    """Any process may name itself with terminal escapes: the diagnostics that name it are
    escaped like the exchanges are."""
    code = ("import ctypes, sys, time, urllib.request\n"
            "ctypes.CDLL(None).prctl(15, b'\\x1b[31mEV\\x07IL', 0, 0, 0)\n"
            "sys.stdin.readline()\n"
            f"urllib.request.urlopen('http://127.0.0.1:{PY_PORT}/a.txt').read()\n"
            "time.sleep(30)\n")
    p = Proc([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        time.sleep(0.3)
        s = Snoop("-v", "-p", p.pid, json_out=False)
        p.p.stdin.write(b"go\n")
        p.p.stdin.flush()
        assert s.wait_for("/a.txt"), s.stderr_now()
        out = "\n".join(s.stop())
    finally:
        p.stop()
    for text in (out, s.stderr):
        assert "\x1b" not in text and "\x07" not in text, repr(text)
    assert f"\\x1b[31mEV\\x07IL[{p.pid}]" in out, out
    assert f"pid {p.pid} (\\x1b[31mEV\\x07IL)" in s.stderr, s.stderr


def test_exits_when_target_exits():
    for write in (False, True):	# also when saving records with -w
        path = f"{WWW}/exit.hsnoop"
        port = free_port()
        srv = Proc([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                    "--directory", WWW])
        wait_port(port)
        s = Snoop("-p", srv.pid, *(["-w", path] if write else []), json_out=not write)
        curl(f"http://127.0.0.1:{port}/a.txt")
        time.sleep(0.3)
        srv.stop()
        deadline = time.time() + 5
        while s.p.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert s.p.poll() is not None, f"httpsnoop kept running after its only target " \
            f"exited (-w: {write})"
        ex = s.stop(settle=0)
        if write:
            p = subprocess.run([sys.argv[1], "-r", path, "-j"], capture_output=True, text=True)
            os.unlink(path)
            ex = [json.loads(l) for l in p.stdout.splitlines()]
        one(ex, target="/a.txt", status=200)


def test_exits_when_target_exits_while_the_ring_is_full():
    # the target's EXIT record is lost with the others when the ring is full (a reader
    # stopped here, slow elsewhere): httpsnoop still notices that it is gone
    code = ("import sys, urllib.request\n"
            "sys.stdin.readline()\n"
            "for i in range(4):\n"
            f"    urllib.request.urlopen('http://127.0.0.1:{NGX_PORT}/big.bin').read()\n")
    p = Proc([sys.executable, "-c", code], stdin=subprocess.PIPE)
    s = Snoop("-p", p.pid, "-B", "64")
    s.p.send_signal(signal.SIGSTOP)
    try:
        p.p.stdin.write(b"go\n")
        p.p.stdin.flush()
        assert p.p.wait(timeout=30) == 0
    finally:
        s.p.send_signal(signal.SIGCONT)
    deadline = time.time() + 10
    while s.p.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert s.p.poll() is not None, "httpsnoop kept running after its only target exited"
    s.stop(settle=0)
    assert "records lost: the kernel ring buffer (64 KiB) was full" in s.stderr, s.stderr


def test_write_then_read_file():
    path = f"{WWW}/cap.hsnoop"
    s = Snoop("-p", PY.pid, "-w", path, json_out=False)
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    s.stop()
    assert "records written" in s.stderr, s.stderr
    p = subprocess.run([sys.argv[1], "-r", path, "-j"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    ex = [json.loads(l) for l in p.stdout.splitlines()]
    one(ex, method="GET", target="/a.txt", status=200)

    # -c counts the exchanges the file holds: it ends with the second one
    s = Snoop("-p", PY.pid, "-w", path, "-c", "2", json_out=False)
    for name in ("a.txt", "b.txt", "c.txt"):
        curl(f"http://127.0.0.1:{PY_PORT}/{name}")
    s.p.wait(timeout=10)
    s.stop(settle=0)
    assert s.rc == 0, s.stderr
    p = subprocess.run([sys.argv[1], "-r", path, "-j"], capture_output=True, text=True)
    ex = [json.loads(l) for l in p.stdout.splitlines()]
    assert [e["request"]["target"] for e in ex] == ["/a.txt", "/b.txt"], p.stdout
    os.unlink(path)


def test_read_file_with_filters():
    """-r applies -p, --comm, --port and --host to the file's records, as tcpdump -r applies
    its expression; a pid need not be running any more."""
    path = f"{WWW}/filters.hsnoop"
    s = Snoop("-p", ",".join(str(p) for p in [PY.pid] + NGX_WORKERS), "-w", path,
              json_out=False)
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    curl(f"http://127.0.0.1:{NGX_PORT}/index.html")
    s.stop()

    def read(*args):
        p = subprocess.run([sys.argv[1], "-r", path, "-j", *[str(a) for a in args]],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return sorted(json.loads(l)["request"]["target"] for l in p.stdout.splitlines())

    assert read() == ["/a.txt", "/index.html"]
    assert read("--port", NGX_PORT) == ["/index.html"]
    assert read("--port", PY_PORT, "--port", NGX_PORT) == ["/a.txt", "/index.html"]
    assert read("-p", PY.pid) == ["/a.txt"]
    assert read("--comm", "nginx") == ["/index.html"]
    assert read("--comm", "ngin") == []
    assert read("--host", "127.0.0.1", "-p", PY.pid) == ["/a.txt"]
    assert read("--host", "127.0.0.2") == []
    assert read("--host", "::1") == []
    assert read("-p", 999999999) == []	# no such process now: not an error for a file
    for args, msg in ((["-f", "-p", PY.pid], "httpsnoop: -f needs a live capture"),
                      (["--container", "abc"], "httpsnoop: --container needs a live capture")):
        p = subprocess.run([sys.argv[1], "-r", path, *[str(a) for a in args]],
                           capture_output=True, text=True)
        assert p.returncode == 2 and p.stderr.startswith(msg), (args, p.returncode, p.stderr)
    os.unlink(path)


def test_write_to_a_pipe_is_read_live():
    """-w - | httpsnoop -r -: each exchange comes out while the capture runs on."""
    w = subprocess.Popen([sys.argv[1], "-p", str(PY.pid), "-w", "-"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    r = subprocess.Popen([sys.argv[1], "-r", "-", "-j"], stdin=w.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    w.stdout.close()
    try:
        assert b"httpsnoop: tracing " in w.stderr.readline()
        curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
        ready, _, _ = select.select([r.stdout], [], [], 5)
        assert ready, "nothing read from the pipe while the capture runs"
        one([json.loads(r.stdout.readline())], target="/a.txt", status=200)
    finally:
        w.send_signal(signal.SIGINT)
        w.wait(timeout=20)
        r.wait(timeout=20)
    assert w.returncode == 0 and r.returncode == 0, (w.returncode, r.returncode)


def test_write_error_is_an_error():
    s = Snoop("-p", PY.pid, "-w", "/dev/full", json_out=False)
    curl(f"http://127.0.0.1:{PY_PORT}/a.txt")
    s.p.wait(timeout=10)	# it stops by itself
    s.stop(settle=0)
    assert s.rc == 1, (s.rc, s.stderr)
    assert "httpsnoop: writing /dev/full: No space left on device" in s.stderr, s.stderr


def serve_once(handler):
    """A one-connection TCP server in a thread of this process: handler(conn) serves it."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def run():
        c, _ = ls.accept()
        try:
            handler(c)
        finally:
            ls.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return ls.getsockname()[1], t


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_msg_peek_is_reported_once():
    # a server that sniffs the protocol with MSG_PEEK before reading: the peeked bytes are
    # read again, and must not appear twice in the decoded stream
    def handler(c):
        assert c.recv(8, socket.MSG_PEEK) == b"GET /pee"
        read_head(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\npeek\n")
        c.close()
    port, t = serve_once(handler)
    s = Snoop("-p", os.getpid())
    assert curl(f"http://127.0.0.1:{port}/peek") == "200 "
    t.join(5)
    ex = s.stop()
    e = one(ex, method="GET", target="/peek", status=200)
    assert e["connection"]["role"] == "server"
    assert e["response"]["body"]["text"] == "peek\n"
    assert e["flags"]["skipped_bytes"] == 0 and not e["flags"]["gap"], e["flags"]
    assert len(ex) == 1, ex


def test_unanswered_request_printed_when_socket_ends():
    # the server reads the request, then drops the connection without a close() call (dup2
    # over its fd): the socket still ends, and the unanswered exchange is printed at once
    def handler(c):
        read_head(c)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, c.fileno())
        os.close(null)
        c.close()
    port, t = serve_once(handler)
    s = Snoop("-p", os.getpid())
    curl(f"http://127.0.0.1:{port}/unanswered")
    t.join(5)
    seen = s.wait_for("/unanswered")
    running = s.p.poll() is None
    ex = s.stop()
    assert seen is not None, "not printed while httpsnoop ran on"
    assert running
    e = one(ex, method="GET", target="/unanswered")
    assert e["response"] is None and e["flags"]["no_response"], e


def test_streaming_response_is_shown_while_it_lasts():
    # server-sent events: the response goes on until the server ends it; a look at it comes
    # a second in, while it is open, and does not count for -c; the whole exchange at its end
    more = threading.Event()

    def handler(c):
        read_head(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n9\r\ndata: 1\n\n\r\n")
        more.wait(15)
        c.sendall(b"9\r\ndata: 2\n\n\r\n0\r\n\r\n")
        c.close()
    port, t = serve_once(handler)
    s = Snoop("-p", os.getpid())
    counted = Snoop("-p", os.getpid(), "-c", "1", json_out=False)
    client = subprocess.Popen(["curl", "-sN", f"http://127.0.0.1:{port}/events"],
                              stdout=subprocess.PIPE)
    seen = s.wait_for('"streaming":true', timeout=5)
    seen_text = counted.wait_for("[streaming]", timeout=5)
    still = counted.p.poll() is None
    more.set()
    body = client.communicate(timeout=10)[0]
    t.join(5)
    counted.p.wait(timeout=10)	# -c 1: the whole exchange is the first one
    lines = counted.stop(settle=0)
    ex = s.stop()
    assert body == b"data: 1\n\ndata: 2\n\n", body
    assert seen is not None and seen_text is not None, "no look while the response was open"
    assert still, "-c 1 counted the look"
    look, whole = ex
    assert look["flags"]["streaming"] and not look["flags"]["incomplete"], look
    assert look["request"]["target"] == "/events" and look["response"]["status"] == 200
    assert header(look["response"], "Content-Type") == "text/event-stream"
    assert look["response"]["body"]["text"] == "data: 1\n\n", look["response"]
    assert look["ts_ns"] == whole["ts_ns"], (look, whole)
    assert whole["timing"]["latency_ms"] >= 1000, whole["timing"]
    assert not whole["flags"]["streaming"] and not whole["flags"]["incomplete"], whole
    assert whole["response"]["body"]["text"] == "data: 1\n\ndata: 2\n\n", whole["response"]
    assert whole["sizes"]["response_body"] == 18
    assert "1 exchange printed" in s.stderr, s.stderr
    assert [ln.endswith("[streaming]") for ln in lines] == [True, False], lines
    assert " GET /events -> 200 OK req=0B resp=18B " in lines[1], lines


def test_unix_socket_both_ends():
    """HTTP over a Unix stream socket: nginx proxying to an application server on a socket
    (the client end), the server (its end), and curl --unix-socket with keep-alive. The
    socket's path stands where TCP has addresses, and --port selects no Unix socket."""
    s = Snoop("-p", f"{NGX_WORKERS[0]},{UX.pid}")
    assert curl(f"http://127.0.0.1:{NGX_PORT}/ux/hello") == "200 "
    assert curl("--unix-socket", UX_SOCK, "http://localhost/k1", "-o", "/dev/null",
                "http://localhost/k2") == "200 200 "
    ex = s.stop()
    unnamed = {"addr": None, "port": None, "path": None}
    named = {"addr": None, "port": None, "path": UX_SOCK}
    c = one(ex, method="GET", target="/hello", status=200, pid=NGX_WORKERS[0])
    assert c["connection"]["role"] == "client", c
    assert c["connection"]["local"] == unnamed and c["connection"]["remote"] == named, c
    assert c["response"]["body"]["text"] == "unix answers /hello\n", c
    srv = one(ex, method="GET", target="/hello", status=200, pid=UX.pid)
    assert srv["connection"]["role"] == "server", srv
    assert srv["connection"]["local"] == named and srv["connection"]["remote"] == unnamed
    assert srv["request"]["headers"] == c["request"]["headers"]
    for k in ("/k1", "/k2"):
        e = one(ex, method="GET", target=k, status=200, pid=UX.pid)
        assert e["response"]["body"]["text"] == f"unix answers {k}\n", e
    # one line each, the path where TCP has addresses
    s = Snoop("-p", UX.pid, json_out=False)
    assert curl("--unix-socket", UX_SOCK, "http://localhost/text") == "200 "
    s.stop()
    assert f"python3[{UX.pid}] server unix:* -> unix:{UX_SOCK} HTTP/1.1 GET /text -> 200 OK" \
        in s.stdout, s.stdout
    s = Snoop("-p", UX.pid, "--port", "80")
    assert curl("--unix-socket", UX_SOCK, "http://localhost/port") == "200 "
    assert s.stop() == []
    # a saved capture keeps the names; read back, --host leaves the socket out too
    cap = os.path.join(tmpdir("hs-unix-cap-"), "ux.hsnoop")
    s = Snoop("-p", UX.pid, "-w", cap, json_out=False)
    assert curl("--unix-socket", UX_SOCK, "http://localhost/saved") == "200 "
    s.stop()
    for flags, want in (([], 1), (["--host", "127.0.0.1"], 0)):
        r = subprocess.run([sys.argv[1], "-r", cap, "-j", *flags], capture_output=True,
                           text=True, timeout=30)
        got = [json.loads(l) for l in r.stdout.splitlines()]
        assert len(got) == want, (flags, r.stdout, r.stderr)
        assert all(e["connection"]["local"]["path"] == UX_SOCK for e in got), got


def test_unix_socket_end_read_ends_the_exchange():
    # no tcp_destroy_sock for a Unix socket: the client reading the end of the connection
    # ends it, and its unanswered request is printed at once, not when httpsnoop stops
    ls = socket.socket(socket.AF_UNIX)
    ls.bind("\0hs-test-unanswered-%d" % os.getpid())	# the abstract namespace
    ls.listen(1)
    s = Snoop("-p", os.getpid())
    c = socket.socket(socket.AF_UNIX)
    c.connect(ls.getsockname())
    a, _ = ls.accept()
    c.sendall(b"GET /ux-unanswered HTTP/1.1\r\nHost: x\r\n\r\n")
    read_head(a)
    a.close()
    assert c.recv(100) == b""
    seen = s.wait_for("/ux-unanswered")
    ex = s.stop()
    c.close()
    ls.close()
    assert seen is not None, "not printed while httpsnoop ran on"
    # both ends are this process's: the client's is the one with the peer's name
    e = [x for x in find(ex, method="GET", target="/ux-unanswered")
         if x["connection"]["role"] == "client"]
    assert len(e) == 1, ex
    assert e[0]["response"] is None and e[0]["flags"]["no_response"], e
    assert e[0]["connection"]["remote"]["path"] == "@hs-test-unanswered-%d" % os.getpid(), e


def test_unix_socket_half_closed_by_the_client_is_answered():
    # nc -N and socat stop sending after the request (shutdown(SHUT_WR)); a server that reads
    # that end before it answers still answers on the same connection, and the exchange is
    # one, whole, on both ends
    path = os.path.join(tmpdir("hs-unix-half-"), "half.sock")
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(1)

    def serve():
        a, _ = ls.accept()
        read_head(a)
        assert a.recv(100) == b""	# the client's end
        a.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhalf\n")
        a.close()
    t = threading.Thread(target=serve, daemon=True)
    s = Snoop("-p", os.getpid())
    t.start()
    c = socket.socket(socket.AF_UNIX)
    c.connect(path)
    c.sendall(b"GET /half HTTP/1.0\r\nHost: x\r\n\r\n")
    c.shutdown(socket.SHUT_WR)
    got = b""
    while (more := c.recv(100)):
        got += more
    c.close()
    t.join(5)
    ex = s.stop()
    ls.close()
    assert got.endswith(b"half\n"), got
    for role in ("client", "server"):
        e = [x for x in find(ex, method="GET", target="/half", status=200)
             if x["connection"]["role"] == role]
        assert len(e) == 1, (role, ex)
        assert e[0]["response"]["body"]["text"] == "half\n", e
    assert not find(ex, method=None), ex	# no response left without its request


def test_child_closing_inherited_socket_keeps_connection():
    # whole-machine mode also sees the close() of a forked child that drops its copy of the
    # socket: the connection lives on in the parent, and its exchange stays whole
    c = socket.create_connection(("127.0.0.1", NGX_PORT))
    s = Snoop("--port", NGX_PORT)
    c.sendall(b"GET /index.html?fork HTTP/1.1\r\nHost: localhost\r\n\r\n")
    pid = os.fork()
    if pid == 0:
        os.close(c.fileno())
        os._exit(0)
    os.waitpid(pid, 0)
    data = read_head(c)
    while not data.endswith(b"</h1>\n"):
        data += c.recv(4096)
    c.close()
    ex = s.stop()
    mine = [e for e in find(ex, target="/index.html?fork")
            if e["connection"]["role"] == "client"]
    assert len(mine) == 1, ex
    assert mine[0]["response"]["status"] == 200
    assert mine[0]["response"]["body"]["text"] == "<h1>nginx test</h1>\n"


run_tests(dict(globals()))
