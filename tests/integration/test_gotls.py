"""Root integration tests of Go crypto/tls capture (uprobes on (*Conn).Read/Write): the Go
fixtures of tests/go (built here with the local Go toolchain, plain and stripped) as HTTPS
server and client, curl against the Go server and a Go client against nginx."""
import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (Proc, Snoop, as_nobody, find, header, nginx, one,  # noqa: E402
                require_root_bpf, run_tests, skip_or_fail, tmpdir)

require_root_bpf()

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "go")
TMP = tempfile.mkdtemp(prefix="hs-gotls-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)


def go_env():
    env = dict(os.environ)
    for k, sub in (("GOCACHE", "gocache"), ("GOPATH", "gopath")):
        if k not in env:
            env[k] = os.path.join(TMP, sub)
    env.setdefault("HOME", TMP)
    env.update(CGO_ENABLED="0", GO111MODULE="on", GOTOOLCHAIN="local", GOPROXY="off")
    for k in ("GOFLAGS", "GOOS", "GOARCH"):
        env.pop(k, None)
    return env


def build(name, pkg, *flags):
    out = os.path.join(TMP, name)
    r = subprocess.run(["go", "build", *flags, "-o", out, "./" + pkg], cwd=SRC, env=go_env(),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"go build {pkg}: {r.stderr}"
    return out


if not shutil.which("go"):
    skip_or_fail("the Go toolchain (golang-go) is not installed")
GOVERSION = subprocess.run(["go", "env", "GOVERSION"], env=go_env(), capture_output=True,
                           text=True).stdout.strip()
DEEPWRITE = build("deepwrite", "deepwrite")
BIN = {
    "plain": (build("tlsserver", "tlsserver"), build("tlsclient", "tlsclient")),
    "stripped": (build("tlsserver_s", "tlsserver", "-ldflags=-s -w"),
                 build("tlsclient_s", "tlsclient", "-ldflags=-s -w")),
    # crypto/tls unoptimised: Read has a frame of another size (as another Go version would)
    "noopt": (build("tlsserver_n", "tlsserver", "-gcflags=crypto/tls=-N"), None),
    # crypto/tls not inlined: Read's copy is in a call of its own (bytes.(*Reader).Read), so
    # Read is probed at its entry and its RETs, as on kernels without uprobe cookies
    "noinline": (build("tlsserver_l", "tlsserver", "-gcflags=crypto/tls=-l"),
                 build("tlsclient_l", "tlsclient", "-gcflags=crypto/tls=-l")),
}


def go_server(kind):
    """A tlsserver on a free loopback port: (Proc, port)."""
    p = Proc([BIN[kind][0], "-addr", "127.0.0.1:0"], stdout=subprocess.PIPE)
    line = p.p.stdout.readline().decode()
    assert line.startswith("listening on "), line
    return p, int(line.rsplit(":", 1)[1])


def go_client(kind, url, *args):
    return subprocess.Popen([BIN[kind][1], "-url", url, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(client):
    out, err = client.communicate(timeout=60)
    assert client.returncode == 0, f"client failed: {err}"
    return out


def check_go_exchange(e, role, pid):
    c = e["connection"]
    assert c["tls"] is True, c
    assert c["source"] == "gotls", c
    assert c["tls_lib"] == GOVERSION, (c["tls_lib"], GOVERSION)
    assert c["role"] == role, c
    assert c["protocol"] == "HTTP/1.1", c
    assert e["process"]["pid"] == pid, e["process"]
    assert not e["flags"]["no_request"] and not e["flags"]["no_response"], e["flags"]


SERVERS = {}


def server(kind):
    if kind not in SERVERS:
        SERVERS[kind] = go_server(kind)
    return SERVERS[kind]


def server_side(kind):
    srv, port = server(kind)
    s = Snoop("-p", srv.pid, "-v")
    out = finish(go_client(kind, f"https://127.0.0.1:{port}/srv-{kind}", "-n", "3"))
    out += finish(go_client(kind, f"https://127.0.0.1:{port}/post-{kind}", "-method", "POST",
                            "-data", "x=1&y=22"))
    ex = s.stop()
    assert out.count("200 ") == 4, out
    got = find(ex, method="GET", target=f"/srv-{kind}", status=200)
    assert len(got) == 3, ex
    for e in got:
        check_go_exchange(e, "server", srv.pid)
        assert e["connection"]["local"]["port"] == port
        assert e["connection"]["local"]["addr"] == "127.0.0.1"
        assert e["response"]["body"]["text"] == \
            f"path=/srv-{kind} proto=HTTP/1.1 method=GET body=0\n", e["response"]
        assert header(e["request"], "User-Agent") == "Go-http-client/1.1"
    # keep-alive: the three requests share one connection
    assert len({e["connection"]["remote"]["port"] for e in got}) == 1, got
    p = one(ex, method="POST", target=f"/post-{kind}", status=200)
    check_go_exchange(p, "server", srv.pid)
    assert p["request"]["body"]["text"] == "x=1&y=22", p["request"]
    assert p["response"]["body"]["text"].endswith("method=POST body=8\n")
    assert GOVERSION in s.stderr and "attached" in s.stderr, s.stderr
    assert (", 0 lost") in s.stderr, s.stderr
    return s.stderr


def client_side(kind, url, port):
    cl = go_client(kind, url, "-n", "3", "-interval", "50ms", "-wait", "5s")
    s = Snoop("-p", cl.pid, "-v")
    out = finish(cl)
    ex = s.stop()
    assert out.count("200 ") == 3, out
    got = find(ex, method="GET", status=200)
    assert len(got) == 3, ex
    for e in got:
        check_go_exchange(e, "client", cl.pid)
        assert e["connection"]["remote"]["port"] == port
        assert e["request"]["authority"] == f"127.0.0.1:{port}"
    assert len({e["connection"]["local"]["port"] for e in got}) == 1, got
    return got, s.stderr


def test_go_server_side():
    server_side("plain")


def test_go_server_side_stripped():
    server_side("stripped")


def test_go_client_side():
    _, port = server("plain")
    got, _ = client_side("plain", f"https://127.0.0.1:{port}/cli", port)
    assert all(e["request"]["target"] == "/cli" for e in got)
    assert got[0]["response"]["body"]["text"] == "path=/cli proto=HTTP/1.1 method=GET body=0\n"


def test_go_client_side_stripped():
    _, port = server("stripped")
    client_side("stripped", f"https://127.0.0.1:{port}/cli-s", port)


def own_answers(ex, n, prefix):
    """n exchanges, /prefix0 to /prefix{n-1} once each, each with its own response."""
    targets = sorted(e["request"]["target"] for e in ex if e["request"])
    assert targets == sorted(f"/{prefix}{i}" for i in range(n)), targets
    for e in ex:
        t = e["request"]["target"]
        assert e["response"] and e["response"]["body"]["text"].startswith(f"path={t} "), e


def test_go_read_probed_at_its_rets():
    # the entry and RET probes: the fallback for every build where Read's copy is not found
    # and for kernels without uprobe cookies
    err = server_side("noinline")
    _, port = server("noinline")
    _, cerr = client_side("noinline", f"https://127.0.0.1:{port}/cli-l", port)
    for e in (err, cerr):
        assert re.search(r"crypto/tls\.\(\*Conn\)\.Read [0-9]+ RETs?, ", e), e
        assert "(its copy probed)" not in e, e


def test_write_that_grows_the_stack_is_seen_once():
    # Write called deep in a new goroutine's stack runs its prologue twice (runtime.morestack
    # starts it again): a probe on its first byte emitted each such request twice, and every
    # later request on the connection got the response of the one after it
    _, port = server("plain")
    cl = subprocess.Popen([DEEPWRITE, "-addr", f"127.0.0.1:{port}", "-n", "120", "-wait", "3s"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    s = Snoop("-p", cl.pid)
    out = finish(cl)
    ex = s.stop()
    assert out.count(" 200 path=/d") == 120, out
    own_answers(ex, 120, "d")
    for e in ex:
        check_go_exchange(e, "client", cl.pid)


def read_in_progress_when_attached(kind):
    # a keep-alive client's read loop waits in Read between responses: the call that returns
    # the first response began before the probes were there, and dropping it paired every
    # request with the next one's response
    _, port = server(kind)
    cl = go_client(kind, f"https://127.0.0.1:{port}/mid{{i}}", "-n", "80", "-interval", "40ms")
    time.sleep(1)
    s = Snoop("-p", cl.pid)
    finish(cl)
    ex = s.stop()
    got = [e for e in ex if e["request"]]
    assert len(got) > 20, ex
    for e in got:
        assert e["response"] and e["response"]["body"]["text"].startswith(
            f"path={e['request']['target']} "), e


def test_read_in_progress_when_attached():
    read_in_progress_when_attached("plain")


def test_read_in_progress_when_attached_at_a_ret():
    # Read probed at its RETs: the first one comes without its entry
    read_in_progress_when_attached("noinline")


def test_curl_against_go_server():
    srv, port = server("plain")
    s = Snoop("-p", srv.pid)
    r = subprocess.run(["curl", "-sSk", "--http1.1", f"https://127.0.0.1:{port}/curl?q=1",
                        f"https://127.0.0.1:{port}/curl2"], capture_output=True, text=True,
                       timeout=60)
    ex = s.stop()
    assert r.returncode == 0, r.stderr
    for target in ("/curl?q=1", "/curl2"):
        e = one(ex, method="GET", target=target, status=200)
        check_go_exchange(e, "server", srv.pid)
        assert header(e["request"], "User-Agent").startswith("curl/")
        assert e["connection"]["local"]["port"] == port


def test_response_ended_by_close():
    # To an HTTP/1.0 client a Go server cannot chunk a body of unknown length: closing the
    # connection ends it, and that close must complete the exchange, not leave it
    # [incomplete] until httpsnoop stops
    srv, port = server("plain")
    s = Snoop("-p", srv.pid, "-v")
    r = subprocess.run(["curl", "-sSk", "--http1.0", "--no-alpn",
                        f"https://127.0.0.1:{port}/stream/40"],
                       capture_output=True, text=True, timeout=60)
    ex = s.stop()
    assert r.returncode == 0, r.stderr
    want = "".join(f"line {i} of 40\n" for i in range(1, 41))
    assert r.stdout == want, r.stdout
    e = one(ex, method="GET", target="/stream/40", status=200)
    assert e["connection"]["source"] == "gotls" and e["connection"]["role"] == "server", e
    assert e["request"]["version"] == "HTTP/1.0", e["request"]
    assert header(e["response"], "Content-Length") is None, e["response"]
    assert header(e["response"], "Transfer-Encoding") is None, e["response"]
    assert e["response"]["body"]["size"] == len(want), e["response"]["body"]
    assert e["response"]["body"]["text"] == want
    assert not e["flags"]["incomplete"] and not e["flags"]["gap"], e["flags"]


def test_another_tracer_probing_every_process():
    # A tracer with probes for every process of the binary (a second httpsnoop without -p)
    # has the kernel put its breakpoints into every private mapping of the file made later:
    # reading the code through one would find int3 where the RETs are
    srv, port = server("plain")
    other = Snoop("-v", "--port", "1")	# every process, capturing nothing
    s = Snoop("-p", srv.pid, "-v")
    r = subprocess.run(["curl", "-sSk", "--http1.1", f"https://127.0.0.1:{port}/twice-probed"],
                       capture_output=True, text=True, timeout=60)
    ex = s.stop()
    other.stop()
    assert r.returncode == 0, r.stderr
    assert f"tlsserver (pid {srv.pid} and every other process of it)" in other.stderr, \
        other.stderr
    check_go_exchange(one(ex, method="GET", target="/twice-probed", status=200), "server",
                      srv.pid)
    assert "attached" in s.stderr, s.stderr


def test_every_process_two_builds_with_other_read_frames():
    # Read's copy finds c and b in the spill slots, 8 + Read's frame above SP, and the frame
    # differs from one build to another. The executables hooked for every process share one
    # offsets entry: the frame of the one hooked last lost the other's requests until each
    # probe carried its own.
    srv, port = server("plain")
    noopt, nport = server("noopt")
    s = Snoop("-v", "--comm", "tlsserver", "--comm", "tlsserver_n")
    for p, name in ((port, "plain"), (nport, "noopt")):
        r = subprocess.run(["curl", "-sSk", "--http1.1", f"https://127.0.0.1:{p}/frame-{name}"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
    ex = s.stop()
    assert s.stderr.count("(its copy probed)") >= 2, s.stderr
    for pid, name in ((srv.pid, "plain"), (noopt.pid, "noopt")):
        e = one(ex, method="GET", target=f"/frame-{name}", status=200)
        check_go_exchange(e, "server", pid)
        assert e["response"]["body"]["text"].startswith(f"path=/frame-{name} "), e


def test_go_client_against_nginx():
    port, _, _, d = nginx('location / { default_type text/plain; return 200 "nginx says hi\\n"; }',
                          tls=True)
    got, _ = client_side("plain", f"https://127.0.0.1:{port}/ngx", port)
    for e in got:
        assert e["request"]["target"] == "/ngx"
        assert e["response"]["body"]["text"] == "nginx says hi\n", e["response"]
        assert header(e["response"], "Server").startswith("nginx")


def test_every_process_follows_new_go_programs():
    # no -p: programs started after httpsnoop are hooked at exec, before their first request.
    # The client waits first: analysing and attaching a new executable takes ~20 ms, but up to
    # ~500 ms while the previous test's httpsnoop is still removing its uprobes.
    s = Snoop("-v")
    srv, port = go_server("stripped")
    out = finish(go_client("plain", f"https://127.0.0.1:{port}/every", "-n", "2", "-wait",
                           "2s"))
    time.sleep(0.3)
    ex = s.stop()
    srv.stop()
    assert out.count("200 ") == 2, out
    mine = find(ex, method="GET", target="/every", status=200)
    srv_side = [e for e in mine if e["process"]["pid"] == srv.pid]
    cli_side = [e for e in mine if e["process"]["pid"] != srv.pid]
    assert len(srv_side) == 2 and len(cli_side) == 2, (s.stderr, mine)
    for e in srv_side:
        check_go_exchange(e, "server", srv.pid)
    for e in cli_side:
        check_go_exchange(e, "client", e["process"]["pid"])
    assert "every other process of it" in s.stderr, s.stderr


def test_new_go_program_quicker_than_its_hook_is_named():
    # a new executable's first run, that does not wait: its request may go before its probes
    # are attached (its analysis takes ~10-20 ms); then a line names it, or what came after
    # the hook shows ([no request]), nothing is silent
    fresh = os.path.join(os.path.dirname(BIN["plain"][1]), f"fresh-{time.time_ns()}")
    shutil.copy(BIN["plain"][1], fresh)
    srv, port = go_server("plain")
    s = Snoop()
    try:
        cli = subprocess.Popen([fresh, "-url", f"https://127.0.0.1:{port}/quick"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert "200 " in finish(cli)
        time.sleep(0.3)
        ex = s.stop()
    finally:
        srv.stop()
        os.unlink(fresh)
    seen = [e for e in ex if e["process"]["pid"] == cli.pid and e["response"]["status"] == 200]
    note = (f"pid {cli.pid} ({os.path.basename(fresh)[:15]}): its TLS with 127.0.0.1:{port} "
            "was not shown: ")
    assert seen or note in s.stderr, s.stderr


def test_missing_capabilities_are_named_without_v():
    """Run as nobody with capabilities too few to hook a Go server, one line says so and
    why, without -v; with enough, its exchange is decoded."""
    srv, port = server("plain")
    d = tmpdir("hs-gocaps-")
    plain = "cap_bpf,cap_perfmon,cap_dac_read_search"
    s = Snoop("-p", srv.pid, cmd=as_nobody(plain, d))
    s.stop(settle=0)
    assert f"httpsnoop: gotls: pid {srv.pid} (" in s.stderr and "cannot read its executable: " \
        "Permission denied (needs root or CAP_SYS_PTRACE)" in s.stderr, s.stderr
    # uprobes need CAP_SYS_ADMIN on some kernels (this one's, when it was written): said so,
    # or else they work
    for caps in (plain + ",cap_sys_ptrace", plain + ",cap_sys_ptrace,cap_sys_admin"):
        s = Snoop("-p", srv.pid, cmd=as_nobody(caps, d))
        finish(go_client("plain", f"https://127.0.0.1:{port}/caps", "-n", "1"))
        ex = s.stop()
        if "cap_sys_admin" in caps or "not hooked" not in s.stderr:
            check_go_exchange(one(ex, method="GET", target="/caps", status=200), "server",
                              srv.pid)
            assert "gotls" not in s.stderr, s.stderr
        else:
            assert f"httpsnoop: gotls: pid {srv.pid} (" in s.stderr and "cannot attach the " \
                "uprobes: Permission denied (needs root or CAP_SYS_ADMIN)" in s.stderr, s.stderr


def test_diagnostics_for_a_non_go_process():
    p = Proc([sys.executable, "-c", "import time; time.sleep(30)"])
    s = Snoop("-p", p.pid, "-v")
    s.stop(settle=0)
    p.stop()
    assert f"gotls: pid {p.pid}" in s.stderr and "not a Go executable" in s.stderr, s.stderr


run_tests(dict(globals()))
