"""record.py: (re)make the capture files in tests/data/ from real traffic (root needed).

    python3 tests/golden/record.py build/httpsnoop [NAME...]   (default: every capture)

Each capture is the records httpsnoop -w saved while real programs talked; the golden test
decodes them with -r, which needs no root, and compares with tests/golden/*.txt / *.json."""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from hs import Proc, Snoop, free_port, nginx, wait_port  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def record(name, pid, action):
    path = os.path.join(DATA, name + ".hsnoop")
    s = Snoop("-p", pid, "-w", path, json_out=False)
    action()
    s.stop()
    print(name, s.stderr.strip().splitlines()[-2:])


def nginx_session():
    port, master, workers, d = nginx("""
        location /gz/ { gzip on; gzip_min_length 1; gzip_types text/plain; }
        location /echo { return 200 "posted\\n"; }
    """)
    with open(f"{d}/html/index.html", "w") as f:
        f.write("<h1>golden</h1>\n")
    os.makedirs(f"{d}/html/gz")
    with open(f"{d}/html/gz/t.txt", "w") as f:
        f.write("".join(f"gzip line {i}\n" for i in range(40)))
    base = f"http://127.0.0.1:{port}"
    n = ["-o", "/dev/null"]

    def act():
        subprocess.run(["curl", "-s", base + "/index.html", *n, "-H", "Accept-Encoding: gzip",
                        base + "/gz/t.txt", *n, base + "/missing", *n,
                        "--next", "-I", base + "/index.html", *n,
                        "--next", "-X", "POST", "-H", "Expect: 100-continue",
                        "--data-binary", "x" * 2000, base + "/echo", *n], check=True)
    record("http1-nginx", workers[0], act)
    master.stop()


def client_session(name, handle, client):
    """A one-connection server in a thread, handle(conn) serving it, and a client program
    (source text, {port} filled in) whose side is recorded; it connects at once and waits
    1.5 s before its first request, so that httpsnoop is attached by then."""
    port = free_port()

    def serve():
        with socket.socket() as ls:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.1", port))
            ls.listen()
            c, _ = ls.accept()
            with c:
                handle(c)
    threading.Thread(target=serve, daemon=True).start()
    time.sleep(0.2)
    p = Proc([sys.executable, "-c", client.replace("{port}", str(port))])
    record(name, p.pid, lambda: p.p.wait(timeout=20))


def hostile_session():
    """A server that answers with escape sequences, bad UTF-8, binary and garbage; the
    client side is recorded."""
    replies = [
        b"HTTP/1.1 200 OK\r\nX-Evil: \x1b[31mred\x1b[0m\x07\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 12\r\n\r\ncaf\xe9 \xff\xfe bytes",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 8\r\n\r\n"
        b"\x00\x01\x02\x03\x89PNG",
        b"HTTP/1.1 abc Broken\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]

    def handle(c):
        for r in replies:
            c.recv(65536)
            c.sendall(r)
            time.sleep(0.05)
    client_session("http1-hostile", handle, r"""
import socket, time
s = socket.create_connection(("127.0.0.1", {port}))
time.sleep(1.5)
for req in [b"GET /evil HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /bin HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /broken HTTP/1.1\r\nHost: x\r\n\r\n", b"DELETE /\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n"]:
    s.sendall(req)
    time.sleep(0.1)
    s.recv(65536)
s.close()
""")


def sse_session():
    """Server-sent events for 2 s: a look at the response after a second, then all of it;
    the client side is recorded."""
    def handle(c):
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        for i in range(5):
            event = b"data: tick %d\n\n" % i
            c.sendall(b"%x\r\n%s\r\n" % (len(event), event))
            time.sleep(0.4)
        c.sendall(b"0\r\n\r\n")
    client_session("http1-sse", handle, r"""
import socket, time
s = socket.create_connection(("127.0.0.1", {port}))
time.sleep(1.5)
s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
while not s.recv(65536).endswith(b"0\r\n\r\n"):
    pass
s.close()
""")


SESSIONS = {"http1-nginx": nginx_session, "http1-hostile": hostile_session,
            "http1-sse": sse_session}
os.makedirs(DATA, exist_ok=True)
for name in sys.argv[2:] or SESSIONS:
    SESSIONS[name]()
