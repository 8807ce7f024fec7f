"""Root integration tests of what is traced: --container (a cgroup named like a Docker scope),
whole-machine mode, and the --comm, --port and --host filters."""
import os
import secrets
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (HTTPSNOOP, Proc, Snoop, find, free_port, libssl_copy, make_cert, one,  # noqa: E402
                require_root_bpf, run_tests, tmpdir, wait_port)

require_root_bpf()


def cgroup2_root():
    for line in open("/proc/self/mountinfo"):
        if " - cgroup2 " in line:
            return line.split()[4]
    return None


ROOT = cgroup2_root()
assert ROOT, "no cgroup v2 hierarchy mounted"
BASE = os.path.join(ROOT, f"hs-test-{os.getpid()}.slice")
os.makedirs(BASE, exist_ok=True)
# two ids with a prefix of their own: cgroups a killed run left behind never share it
PREFIX = secrets.token_hex(4)
ID = PREFIX + "1" + secrets.token_hex(32)[9:]
OTHER_ID = PREFIX + "2" + secrets.token_hex(32)[9:]


def container(cid):
    d = os.path.join(BASE, f"docker-{cid}.scope")
    os.makedirs(d, exist_ok=True)
    return d


def serve(port, bind="127.0.0.1", cgroup=None):
    # the server moves itself into the cgroup before it starts serving
    code = ("import os, sys, http.server\n"
            + (f"open({cgroup + '/cgroup.procs'!r}, 'w').write(str(os.getpid()))\n" if cgroup else "")
            + f"http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, "
              f"ServerClass=http.server.ThreadingHTTPServer, port={port}, bind={bind!r})\n")
    p = Proc([sys.executable, "-c", code], cwd="/tmp")
    wait_port(port, host="127.0.0.1" if bind in ("127.0.0.1", "0.0.0.0", "::") else bind)
    return p


IN_PORT, OUT_PORT = free_port(), free_port()
TLS_PORT = free_port()
TLS_DIR = tmpdir("hs-targets-tls-")
make_cert(TLS_DIR)
TLS_SERVER = Proc([sys.executable, "-c", f"""
import http.server, ssl
srv = http.server.ThreadingHTTPServer(("127.0.0.1", {TLS_PORT}), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("{TLS_DIR}/cert.pem", "{TLS_DIR}/key.pem")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"""], cwd="/tmp")
wait_port(TLS_PORT)
INSIDE = serve(IN_PORT, cgroup=container(ID))
container(OTHER_ID)
OUTSIDE = serve(OUT_PORT)
ANY_PORT = free_port()
ANY = serve(ANY_PORT, bind="::")


def curl(url, *args):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *args, url],
                          capture_output=True, text=True, timeout=30).stdout


def test_container_prefix_captures_only_the_container():
    s = Snoop("--container", ID[:12])
    assert curl(f"http://127.0.0.1:{IN_PORT}/") == "200"
    assert curl(f"http://127.0.0.1:{OUT_PORT}/") == "200"
    ex = s.stop()
    e = one(ex, method="GET", target="/")
    assert e["process"]["pid"] == INSIDE.pid, e["process"]
    assert e["process"]["container"] == ID[:12], e["process"]
    assert e["connection"]["local"]["port"] == IN_PORT
    assert "tracing container " + ID[:12] in s.stderr, s.stderr


def test_container_restarted_and_cgroups_made_in_it():
    # a restart makes the container's cgroup again (a new id at the same path), and what runs
    # in it may make cgroups below it: both are traced from the next look, once a second
    cid = PREFIX + "3" + secrets.token_hex(32)[9:]
    d = container(cid)
    sub = os.path.join(d, "app.service")
    s = Snoop("--container", cid[:12])
    try:
        os.rmdir(d)
        d = container(cid)
        os.makedirs(sub)
        time.sleep(1.5)
        for where, tag in ((d, "restarted"), (sub, "sub")):
            subprocess.run(["sh", "-c", f"echo $$ > {where}/cgroup.procs && exec curl -sS -o "
                            f"/dev/null http://127.0.0.1:{OUT_PORT}/?{tag}"],
                           check=True, timeout=30)
        ex = s.stop()
    finally:
        if s.p.poll() is None:
            s.stop()
        time.sleep(0.2)
        os.rmdir(sub)
    for tag in ("restarted", "sub"):
        # named from its cgroup: curl may be gone by the time its exchange is decoded
        e = one(ex, method="GET", target=f"/?{tag}", status=200)
        assert e["process"]["container"] == cid[:12], e["process"]


def test_descriptor_limit_raised_for_the_probes():
    # every-process mode keeps a descriptor or two per uprobe of each TLS library and Go
    # executable it meets: a soft limit of 1024 ran out after ~90 of them
    s = Snoop("--port", "1", cmd=["prlimit", "--nofile=1024:", HTTPSNOOP])
    with open(f"/proc/{s.p.pid}/limits") as f:
        line = next(l for l in f if l.startswith("Max open files"))
    s.stop()
    soft, hard = line.split()[3:5]
    assert soft == hard, line


def test_container_errors():
    p = subprocess.run([sys.argv[1], "--container", PREFIX], capture_output=True, text=True)
    assert p.returncode == 1, p
    assert "ambiguous" in p.stderr and ID[:12] in p.stderr and OTHER_ID[:12] in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    p = subprocess.run([sys.argv[1], "--container", "fff000fff"], capture_output=True, text=True)
    assert p.returncode == 1 and "no running container" in p.stderr, p.stderr
    p = subprocess.run([sys.argv[1], "--container", "xyz"], capture_output=True, text=True)
    assert p.returncode == 1 and "not a container id" in p.stderr, p.stderr


def test_whole_machine_sees_both_sides_and_new_processes():
    s = Snoop("--port", OUT_PORT)
    # curl starts after httpsnoop: both the client and the server side are captured
    assert curl(f"http://127.0.0.1:{OUT_PORT}/?whole") == "200"
    ex = s.stop()
    got = find(ex, method="GET", target="/?whole", status=200)
    roles = sorted((e["connection"]["role"], e["process"]["comm"]) for e in got)
    assert roles == [("client", "curl"), ("server", "python3")], roles


def test_comm_filter():
    s = Snoop("--comm", "curl", "--port", OUT_PORT)
    curl(f"http://127.0.0.1:{OUT_PORT}/?comm")
    ex = s.stop()
    e = one(ex, target="/?comm")
    assert e["process"]["comm"] == "curl" and e["connection"]["role"] == "client"

    # a thread with a name of its own (as Java and tokio name theirs) belongs to its process:
    # the process's name selects it, and so does the thread's
    code = ("import ctypes, sys, threading, urllib.request\n"
            "prctl = ctypes.CDLL(None).prctl\n"
            "prctl(15, b'hs-main', 0, 0, 0)\n"
            "def fetch(q):\n"
            "    prctl(15, b'hs-fetcher', 0, 0, 0)\n"
            f"    urllib.request.urlopen('http://127.0.0.1:{OUT_PORT}/?' + q).read()\n"
            "for line in sys.stdin:\n"
            "    t = threading.Thread(target=fetch, args=(line.strip(),))\n"
            "    t.start()\n"
            "    t.join()\n")
    p = Proc([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        for name in ("hs-main", "hs-fetcher"):
            s = Snoop("--comm", name, "--port", OUT_PORT)
            p.p.stdin.write(f"{name}\n".encode())
            p.p.stdin.flush()
            assert s.wait_for(f"/?{name}"), s.stderr_now()
            e = one(s.stop(), target=f"/?{name}")
            assert e["process"]["comm"] == "hs-fetcher" and e["process"]["pid"] == p.pid, e
    finally:
        p.stop()


def test_port_filter():
    s = Snoop("--port", IN_PORT)
    curl(f"http://127.0.0.1:{IN_PORT}/?in")
    curl(f"http://127.0.0.1:{OUT_PORT}/?out")
    ex = s.stop()
    assert find(ex, target="/?in") and not find(ex, target="/?out"), ex


def test_port_filter_by_service_name():
    # as tcpdump's "port http-alt": a TCP service name or alias from /etc/services, here of
    # the first free port above 1024 that has one
    for line in open("/etc/services"):
        f = line.split("#")[0].split()
        if len(f) < 3 or not f[1].endswith("/tcp") or int(f[1][:-4]) <= 1024:
            continue
        name, alias, port = f[0], f[2], int(f[1][:-4])
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        break
    else:
        raise AssertionError("no free port above 1024 with a name and an alias in /etc/services")
    server = serve(port)
    try:
        for given in (name, alias):
            s = Snoop("--port", given)
            curl(f"http://127.0.0.1:{port}/?{given}")
            curl(f"http://127.0.0.1:{OUT_PORT}/?out")
            ex = s.stop()
            assert find(ex, target=f"/?{given}") and not find(ex, target="/?out"), (given, ex)
    finally:
        server.stop()
    p = subprocess.run([sys.argv[1], "--port", "no-such-service"], capture_output=True,
                       text=True)
    assert p.returncode == 2, p
    assert p.stderr == ("httpsnoop: not a port (1 to 65535) or a TCP service name in "
                        "/etc/services: 'no-such-service' (see httpsnoop --help)\n"), p.stderr
    p = subprocess.run([sys.argv[1], "--host", "localhost"], capture_output=True, text=True)
    assert p.returncode == 2 and "names are not looked up" in p.stderr, p.stderr


def test_host_filter_ipv4_and_ipv6():
    # ::ffff:127.0.0.4, as a dual-stack server logs an IPv4 peer, names 127.0.0.4
    s = Snoop("-p", ANY.pid, "--host", "127.0.0.3", "--host", "::1", "--host", "::ffff:127.0.0.4")
    curl(f"http://127.0.0.1:{ANY_PORT}/?from1", "--interface", "127.0.0.1")
    curl(f"http://127.0.0.1:{ANY_PORT}/?from3", "--interface", "127.0.0.3")
    curl(f"http://127.0.0.1:{ANY_PORT}/?from4", "--interface", "127.0.0.4")
    curl(f"http://[::1]:{ANY_PORT}/?v6", "-g")
    ex = s.stop()
    assert not find(ex, target="/?from1"), ex
    assert one(ex, target="/?from4")["connection"]["remote"]["addr"] == "127.0.0.4", ex
    e = one(ex, target="/?from3")
    assert e["connection"]["remote"]["addr"] in ("127.0.0.3", "::ffff:127.0.0.3"), e["connection"]
    e = one(ex, target="/?v6")
    assert e["connection"]["remote"]["addr"] == "::1", e["connection"]


def test_whole_machine_tls_clients_started_later():
    s = Snoop("--port", TLS_PORT)
    # the clients start after httpsnoop; their TLS library (OpenSSL, GnuTLS for wget) is
    # hooked for every process
    assert curl(f"https://127.0.0.1:{TLS_PORT}/?curl", "-k") == "200"
    subprocess.run([sys.executable, "-c",
                    "import ssl, urllib.request as u; "
                    f"u.urlopen('https://127.0.0.1:{TLS_PORT}/?python', "
                    "context=ssl._create_unverified_context()).read()"], check=True, timeout=30)
    subprocess.run(["wget", "-q", "--no-check-certificate", "-O", "/dev/null",
                    f"https://127.0.0.1:{TLS_PORT}/?wget"], check=True, timeout=30)
    ex = s.stop()
    for target, comm, source in (("/?curl", "curl", "openssl"), ("/?python", "python3", "openssl"),
                                 ("/?wget", "wget", "gnutls")):
        got = find(ex, method="GET", target=target, status=200)
        clients = [e for e in got if e["connection"]["role"] == "client"]
        servers = [e for e in got if e["connection"]["role"] == "server"]
        assert len(clients) == 1 and len(servers) == 1, (target, got)
        assert clients[0]["process"]["comm"] == comm and clients[0]["connection"]["tls"]
        assert clients[0]["connection"]["source"] == source, clients[0]["connection"]
        assert servers[0]["process"]["pid"] == TLS_SERVER.pid and servers[0]["connection"]["tls"]


def test_whole_machine_tls_of_new_programs_outside_the_usual_libraries():
    # Programs started after httpsnoop whose OpenSSL is not a libssl of the usual directories
    # (those are hooked for every process at start): node carries it in its executable, and a
    # copy of libssl.so.3 in a directory of its own stands for a container's. Each is hooked
    # from its execve(); the periodic look for new processes (every 5 s) would come too late.
    libdir = f"{TLS_DIR}/lib"
    os.makedirs(libdir, exist_ok=True)
    copy = libssl_copy(libdir)
    url = f"https://127.0.0.1:{TLS_PORT}"
    s = Snoop("-v", "--port", TLS_PORT)
    t0 = time.time()
    # imports ssl at once (the copy is mapped within ms), asks half a second later
    py = subprocess.Popen([sys.executable, "-c",
                           "import ssl, time, urllib.request as u; "
                           "c = ssl._create_unverified_context(); time.sleep(0.5); "
                           f"u.urlopen('{url}/?own-libssl', context=c).read()"],
                          env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    node = subprocess.Popen(["node", "-e", "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; "
                             f"setTimeout(() => fetch('{url}/?node').then(r => r.text()), 500)"],
                            stderr=subprocess.DEVNULL)
    assert py.wait(timeout=30) == 0 and node.wait(timeout=30) == 0
    assert time.time() - t0 < 4, "the clients ran into the periodic look"
    ex = s.stop()
    for target, comm, lib in (("/?own-libssl", "python3", os.path.basename(copy)),
                              ("/?node", "node", "node")):
        clients = [e for e in find(ex, method="GET", target=target, status=200)
                   if e["connection"]["role"] == "client"]
        assert len(clients) == 1, (target, [(e["request"]["target"], e["connection"]["role"],
                                             e["process"]["comm"]) for e in ex])
        c = clients[0]
        assert c["process"]["comm"] == comm and c["connection"]["tls"], c
        assert c["connection"]["tls_lib"] == lib, c["connection"]
    assert f"every process: OpenSSL {os.path.basename(copy)} hooked ({copy})" in s.stderr, \
        s.stderr


# A supervisor with a worker started before tracing, which waits on a pipe. On a line on
# stdin it wakes that worker (one request) and forks a new one, which makes requests from its
# main thread, from another thread, over TLS, and from a process of its own; then all exit.
SUPERVISOR = f"""
import os, ssl, sys, threading, time, urllib.request as u
ctx = ssl._create_unverified_context()	# libssl is mapped before the fork, as in servers
get = lambda path: u.urlopen("http://127.0.0.1:{OUT_PORT}" + path).read()
r, w = os.pipe()
old = os.fork()
if old == 0:
    os.read(r, 1)
    get("/?old")
    os._exit(0)
print("ready", flush=True)
sys.stdin.readline()
os.write(w, b"x")
os.waitpid(old, 0)
pid = os.fork()
if pid == 0:
    time.sleep(0.5)	# the TLS probes are attached a few ms after the fork
    get("/?worker")
    t = threading.Thread(target=get, args=("/?thread",))
    t.start()
    t.join()
    u.urlopen("https://127.0.0.1:{TLS_PORT}/?tls", context=ctx).read()
    grand = os.fork()
    if grand == 0:
        get("/?grandchild")
        os._exit(0)
    os.waitpid(grand, 0)
    print(os.getpid(), grand, os.getppid(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
print(old, flush=True)
time.sleep(0.5)
"""


def supervisor_run(*flags):
    """Runs SUPERVISOR traced with -p and flags; returns the Snoop and the pids of the old
    worker, the new one and the new one's child."""
    sup = subprocess.Popen([sys.executable, "-c", SUPERVISOR], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, cwd="/tmp")
    assert sup.stdout.readline() == "ready\n"
    s = Snoop("-p", sup.pid, *flags)
    sup.stdin.write("go\n")
    sup.stdin.flush()
    worker, grand, _ = (int(x) for x in sup.stdout.readline().split())
    old = int(sup.stdout.readline())
    assert sup.wait(timeout=30) == 0
    return s, (old, worker, grand)


EXEC_FROM_THREAD = """
import os, sys, threading, time, urllib.request
sys.stdin.readline()
urllib.request.urlopen("http://127.0.0.1:%d/?before-exec").read()
after = ("import time, urllib.request; "
         "urllib.request.urlopen('http://127.0.0.1:%d/?after-exec').read(); time.sleep(0.5)")
threading.Thread(target=os.execv, args=(sys.executable, [sys.executable, "-c", after])).start()
time.sleep(30)
"""


def test_exec_from_a_thread_keeps_the_process_traced():
    # execve() from a thread ends the main thread first (the kernel kills the other threads,
    # and the new program takes the process id): the process goes on, and so does -p, until
    # its last thread ends
    p = subprocess.Popen([sys.executable, "-c", EXEC_FROM_THREAD % (OUT_PORT, OUT_PORT)],
                         stdin=subprocess.PIPE, text=True)
    s = Snoop("-p", p.pid)
    p.stdin.write("go\n")
    p.stdin.flush()
    p.wait(timeout=30)
    end = time.time() + 10
    while s.p.poll() is None and time.time() < end:
        time.sleep(0.1)
    assert s.p.poll() is not None, "httpsnoop kept running after its target exited"
    ex = s.stop(settle=0)
    one(ex, method="GET", target="/?before-exec", status=200, pid=p.pid)
    one(ex, method="GET", target="/?after-exec", status=200, pid=p.pid)


def test_follow_forks():
    s, (old, worker, grand) = supervisor_run("-f", "-v")
    # like strace -p: it ends by itself once the supervisor and what it started are gone
    end = time.time() + 10
    while s.p.poll() is None and time.time() < end:
        time.sleep(0.1)
    assert s.p.poll() is not None, "httpsnoop kept running after every target exited"
    ex = s.stop(settle=0)
    for target, pid in (("/?old", old), ("/?worker", worker), ("/?thread", worker),
                        ("/?grandchild", grand)):
        e = find(ex, method="GET", target=target, status=200, pid=pid)
        assert len(e) == 1 and e[0]["connection"]["role"] == "client", \
            (target, [(x["request"]["target"], x["process"]["pid"]) for x in ex])
    e = one(ex, method="GET", target="/?tls", status=200, pid=worker)
    assert e["connection"]["tls"], e
    assert len(ex) == 5, ex
    for pid in (old, worker, grand):
        assert f"httpsnoop: pid {pid} (python3), started by " in s.stderr, s.stderr
    # without -f only the supervisor is traced, and it makes no request; its worker is named
    s, _ = supervisor_run()
    assert s.stop() == []
    assert "has 1 child process, not traced (-f follows it)" in s.stderr, s.stderr


def test_follow_forks_storm_stays_bounded():
    """-f on a process that starts 60 processes at once that map libssl: at most 16 get their
    TLS library hooked (each uprobe takes the kernel 30-100 ms to remove), a line says so, and
    httpsnoop's descriptors and time to stop stay bounded."""
    code = """
import os, ssl, sys, time
print("ready", flush=True)
sys.stdin.readline()
kids = []
for _ in range(60):
    pid = os.fork()
    if pid == 0:
        time.sleep(1.5)
        os._exit(0)
    kids.append(pid)
for k in kids:
    os.waitpid(k, 0)
print("done", flush=True)
time.sleep(30)
"""
    sup = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, cwd="/tmp")
    assert sup.stdout.readline() == "ready\n"
    s = Snoop("-f", "-p", sup.pid)
    sup.stdin.write("go\n")
    sup.stdin.flush()
    assert sup.stdout.readline() == "done\n"
    fds = len(os.listdir(f"/proc/{s.p.pid}/fd"))
    t0 = time.time()
    s.stop(settle=0)
    took = time.time() - t0
    sup.kill()
    sup.wait()
    assert "faster than their TLS libraries can be hooked" in s.stderr, s.stderr
    print(f"  {fds} descriptors, stopped in {took:.1f} s")
    assert fds < 400, fds
    assert took < 15, took


# A TLS server that forks per connection: the child makes the handshake and reads the
# request at once, before user space could have hooked it.
FORKING_TLS = f"""
import os, signal, socket, ssl
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("{TLS_DIR}/cert.pem", "{TLS_DIR}/key.pem")
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print(ls.getsockname()[1], flush=True)
while True:
    c, _ = ls.accept()
    if os.fork() == 0:
        ls.close()
        s = ctx.wrap_socket(c, server_side=True)
        s.recv(65536)
        body = b"forked %d" % os.getpid()
        s.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n"
                  % len(body) + body)
        s.close()
        os._exit(0)
    c.close()
"""


def test_follow_forks_tls_server_forking_per_connection():
    """Each child inherits the OpenSSL probes at fork: its first request is seen although it
    is read before user space could hook the child."""
    # what a killed httpsnoop (its pid is no httpsnoop now) left in tracefs is removed
    events = "/sys/kernel/tracing/uprobe_events"
    stale = f"httpsnoop_{os.getpid()}/p0"
    fd = os.open(events, os.O_WRONLY | os.O_APPEND)
    os.write(fd, f"p:{stale} /usr/bin/true:0x100\n".encode())
    os.close(fd)
    srv = subprocess.Popen([sys.executable, "-c", FORKING_TLS], stdout=subprocess.PIPE,
                           text=True)
    try:
        port = int(srv.stdout.readline())
        s = Snoop("-p", srv.pid, "-f", "-vv")
        assert stale not in open(events).read()
        for i in range(20):
            subprocess.run(["curl", "-sk", "-o", "/dev/null", f"https://127.0.0.1:{port}/n{i}"],
                           check=True, timeout=10)
        ex = s.stop()
    finally:
        srv.kill()
        srv.wait()
    pids = set()
    for i in range(20):
        e = one(ex, method="GET", target=f"/n{i}", status=200)
        assert e["connection"]["tls"] and e["connection"]["role"] == "server", e
        assert e["response"]["body"]["text"] == f"forked {e['process']['pid']}", e
        pids.add(e["process"]["pid"])
    assert len(pids) == 20 and srv.pid not in pids, pids
    # the probes are taken away after httpsnoop has ended, by a child it leaves to it
    end = time.time() + 60
    while "httpsnoop_" in open(events).read() and time.time() < end:
        time.sleep(0.2)
    assert "httpsnoop_" not in open(events).read(), "uprobe events left after the end"


# the parent accepts and does the TLS handshake, the child serves the request
FORKING_TLS_HANDSHAKE_IN_PARENT = FORKING_TLS.replace(
    "    c, _ = ls.accept()\n",
    "    c, _ = ls.accept()\n    c = ctx.wrap_socket(c, server_side=True)\n").replace(
    "        s = ctx.wrap_socket(c, server_side=True)\n", "        s = c\n")


def test_follow_forks_exchange_of_the_child_that_served_it():
    """A connection the parent accepted and shook hands on, served by a forked child: the
    exchange is the child's (its pid, not the parent's with the child's thread id)."""
    assert FORKING_TLS_HANDSHAKE_IN_PARENT.count("s = c\n") == 1
    srv = subprocess.Popen([sys.executable, "-c", FORKING_TLS_HANDSHAKE_IN_PARENT],
                           stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        s = Snoop("-p", srv.pid, "-f")
        for i in range(3):
            subprocess.run(["curl", "-sk", "-o", "/dev/null", f"https://127.0.0.1:{port}/p{i}"],
                           check=True, timeout=10)
        ex = s.stop()
    finally:
        srv.kill()
        srv.wait()
    for i in range(3):
        e = one(ex, method="GET", target=f"/p{i}", status=200)
        assert e["response"]["body"]["text"] == f"forked {e['process']['pid']}", e
        assert e["process"]["tid"] == e["process"]["pid"] != srv.pid, e["process"]


def test_forking_server_without_f_is_named_once():
    """-p a server that forks per connection, without -f: its children do the work and are
    not traced, and one line says so (not one per child); a threaded server's threads are
    no processes and get no such line."""
    srv = subprocess.Popen([sys.executable, "-c", FORKING_TLS], stdout=subprocess.PIPE,
                           text=True)
    try:
        port = int(srv.stdout.readline())
        s = Snoop("-p", srv.pid)
        for i in range(3):
            subprocess.run(["curl", "-sk", "-o", "/dev/null", f"https://127.0.0.1:{port}/f{i}"],
                           check=True, timeout=10)
        assert s.stop() == []
    finally:
        srv.kill()
        srv.wait()
    lines = [l for l in s.stderr.splitlines() if "which is not traced" in l]
    assert len(lines) == 1, s.stderr
    assert lines[0].startswith(f"httpsnoop: pid {srv.pid} (python3) started pid "), lines
    assert lines[0].endswith("its connections are not shown (-f follows the processes it "
                             "starts)"), lines
    s = Snoop("-p", OUTSIDE.pid)
    assert curl(f"http://127.0.0.1:{OUT_PORT}/?threaded") == "200"
    one(s.stop(), method="GET", target="/?threaded", status=200)
    assert "not traced" not in s.stderr, s.stderr


def test_follow_forks_needs_pids():
    p = subprocess.run([sys.argv[1], "-f"], capture_output=True, text=True)
    assert p.returncode == 2 and "-f follows the processes given with -p" in p.stderr, p.stderr


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_memory_bounded_with_many_short_lived_processes():
    s = Snoop("--port", OUT_PORT)
    before = rss_kib(s.p.pid)
    # 2000 processes come and go, 200 of them with a connection each
    subprocess.run(["bash", "-c", "for i in $(seq 1800); do /bin/true; done"], check=True)
    subprocess.run(["bash", "-c", f"for i in $(seq 200); do curl -s -o /dev/null "
                    f"http://127.0.0.1:{OUT_PORT}/?short; done"], check=True, timeout=300)
    time.sleep(1.5)
    after = rss_kib(s.p.pid)
    assert s.p.poll() is None, "httpsnoop died"
    ex = s.stop()
    assert len(find(ex, target="/?short", status=200)) == 400, len(ex)	# both sides each
    assert after - before < 16 * 1024, f"RSS grew from {before} to {after} KiB"


def test_filter_option_errors():
    for args, word in ((["--port", "70000"], "port"), (["--host", "nope"], "address"),
                       (["--comm", ""], "command name")):
        p = subprocess.run([sys.argv[1], *args], capture_output=True, text=True)
        assert p.returncode == 2 and word in p.stderr, p.stderr
    # an option without its value, or unknown, is named as it was typed
    for arg, said in (("--container", "option --container needs a value"),
                      ("--snaplen", "option --snaplen needs a value"),
                      ("-p", "option -p needs a value"), ("-vZ", "unknown option -Z"),
                      ("--bogus", "unknown option --bogus")):
        p = subprocess.run([sys.argv[1], arg], capture_output=True, text=True)
        assert p.returncode == 2, p
        assert p.stderr == f"httpsnoop: {said} (see httpsnoop --help)\n", (arg, p.stderr)


try:
    run_tests(dict(globals()))
finally:
    for p in Proc.all:
        p.stop()
    time.sleep(0.2)
    for d in sorted(os.listdir(BASE), reverse=True):
        try:
            os.rmdir(os.path.join(BASE, d))
        except OSError:
            pass
    try:
        os.rmdir(BASE)
    except OSError:
        pass
