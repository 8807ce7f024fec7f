"""hs.py: shared helpers for the root integration tests.

Each test file is one process: it starts its servers once, runs httpsnoop around client
activity and asserts on what httpsnoop printed (JSON Lines, parsed). Tests are functions named
test_*; run_tests() runs them and prints a summary.

Under CI=true a test that cannot run (not root, BPF cannot load) FAILS; elsewhere the whole
file is skipped with exit code 77 (meson's skip code) and the reason.
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HTTPSNOOP = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/httpsnoop"
CI = os.environ.get("CI") == "true"
SKIP = 77


def skip_or_fail(reason):
    """Not able to run here: fail under CI, skip elsewhere."""
    if CI:
        print(f"FAIL: {reason} (CI=true: root tests must run)")
        sys.exit(1)
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def require_root_bpf():
    if os.geteuid() != 0:
        skip_or_fail("needs root to load BPF programs")
    try:
        Snoop("-p", os.getpid()).stop(settle=0)
    except AssertionError as e:
        skip_or_fail(f"httpsnoop cannot capture here: {e}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0, host="127.0.0.1"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {host}:{port} after {timeout}s")


class Snoop:
    """httpsnoop running in the background; stop() returns its parsed output."""

    def __init__(self, *args, json_out=True, cmd=None):
        """cmd: how to run httpsnoop (default: HTTPSNOOP itself)."""
        self.json = json_out
        argv = (cmd or [HTTPSNOOP]) + (["-j"] if json_out else []) + [str(a) for a in args]
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.err = tempfile.TemporaryFile(mode="w+b")
        self.p = subprocess.Popen(argv, stdout=self.out, stderr=self.err)
        end = time.time() + 30
        while time.time() < end:
            text = self.stderr_now()
            if "httpsnoop: tracing " in text:
                time.sleep(0.1)
                return
            if self.p.poll() is not None:
                raise AssertionError(f"httpsnoop exited {self.p.returncode}: {text.strip()}")
            time.sleep(0.05)
        raise AssertionError("httpsnoop did not start tracing within 30s")

    @staticmethod
    def _so_far(f):
        # through a descriptor of its own: httpsnoop writes at the offset it shares with f
        with open(f"/proc/self/fd/{f.fileno()}", "rb") as g:
            return g.read().decode(errors="replace")

    def stderr_now(self):
        """What httpsnoop has written to stderr so far, while it runs on."""
        return self._so_far(self.err)

    def wait_for(self, text, timeout=5.0, stderr=False):
        """Waits until the output (or stderr) printed so far contains text, while httpsnoop
        runs on; returns that output, or None after timeout."""
        end = time.time() + timeout
        while time.time() < end:
            so_far = self._so_far(self.err if stderr else self.out)
            if text in so_far:
                return so_far
            time.sleep(0.05)
        return None

    def stop(self, settle=0.5):
        time.sleep(settle)
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise AssertionError("httpsnoop did not exit within 20s of SIGINT")
        self.out.seek(0)
        self.err.seek(0)
        self.stdout = self.out.read().decode(errors="replace")
        self.stderr = self.err.read().decode(errors="replace")
        self.rc = self.p.returncode
        if not self.json:
            return self.stdout.splitlines()
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def no_httpsnoop_left(timeout=15.0):
    """Waits until no process of HTTPSNOOP is left: a stopped run leaves a child that removes
    its probes, and with perf event uprobes (HTTPSNOOP_UPROBES=perf, kernels before 6.6) each
    removal holds, ~110 ms per probe, the lock that making any uprobe takes. For a test about
    hooking a program before its first request, not about another run's teardown."""
    def runs(pid):
        try:
            return os.readlink(f"/proc/{pid}/exe") == exe
        except OSError:	# gone, a kernel thread, or not ours to look at
            return False

    exe = os.path.realpath(HTTPSNOOP)
    end = time.time() + timeout
    while time.time() < end:
        if not any(runs(p) for p in os.listdir("/proc") if p.isdigit()):
            return
        time.sleep(0.05)


def find(exchanges, **want):
    """Exchanges whose fields match, e.g. find(ex, method="GET", target="/a", status=200)."""
    out = []
    for e in exchanges:
        req, resp = e.get("request") or {}, e.get("response") or {}
        ok = True
        for k, v in want.items():
            if k in ("method", "target", "authority"):
                ok &= req.get(k) == v
            elif k == "status":
                ok &= resp.get("status") == v
            elif k == "pid":
                ok &= e["process"]["pid"] == v
            elif k == "tls":
                ok &= e["connection"].get("tls") == v
            else:
                raise KeyError(k)
        if ok:
            out.append(e)
    return out


def summary(e):
    """One exchange in a line of a failure's message: who, which connection, what, flags."""
    req, resp, c = e.get("request") or {}, e.get("response") or {}, e["connection"]
    flags = [k for k, v in (e.get("flags") or {}).items() if v]
    return (f"{e['process']['comm']}[{e['process']['pid']}] {c.get('role')} "
            f"{c['local']['port'] if c.get('local') else ''}->"
            f"{c['remote']['port'] if c.get('remote') else ''} {c.get('protocol')} "
            f"source={c.get('source')} tls_lib={c.get('tls_lib')} {req.get('method')} "
            f"{str(req.get('target'))[:120]} {resp.get('status')} {' '.join(flags)}")


def one(exchanges, **want):
    got = find(exchanges, **want)
    assert len(got) == 1, f"expected one exchange with {want}, got {len(got)}:\n" + \
        "\n".join(summary(e) for e in exchanges)
    return got[0]


def header(msg, name):
    for h in msg.get("headers") or []:
        if h[0].lower() == name.lower():
            return h[1]
    return None


class Proc:
    """A background program, killed at exit."""
    all = []

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, stdout=kw.pop("stdout", subprocess.DEVNULL),
                                  stderr=kw.pop("stderr", subprocess.DEVNULL), **kw)
        Proc.all.append(self)

    @property
    def pid(self):
        return self.p.pid

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()


def tmpdir(prefix):
    """A directory anyone may read (servers drop privileges), removed when the tests end."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    atexit.register(shutil.rmtree, d, ignore_errors=True)
    return d


def as_nobody(caps, d):
    """The command that runs a copy of httpsnoop, kept in directory d, as user nobody with
    the file capabilities caps (e.g. "cap_bpf,cap_perfmon"), for Snoop(cmd=...)."""
    hs = os.path.join(d, "httpsnoop")
    if not os.path.exists(hs):
        shutil.copy(HTTPSNOOP, hs)
        os.chmod(hs, 0o755)
    subprocess.run(["setcap", f"{caps}+ep", hs], check=True)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", hs]


def libssl_copy(d):
    """A copy, in directory d, of the libssl this python3 uses (LD_LIBRARY_PATH=d loads it)."""
    ssl_ext = subprocess.run([sys.executable, "-c", "import _ssl; print(_ssl.__file__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    libssl = next(line.split()[2] for line in subprocess.run(
        ["ldd", ssl_ext], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.split()[0].startswith("libssl.so"))
    copy = os.path.join(d, os.path.basename(libssl))
    shutil.copyfile(libssl, copy)
    return copy


def nginx(conf_body, tls=False, http2=False):
    """Start nginx with its own prefix and config on a loopback port; returns (port, master,
    worker pid list, prefix dir). http2: serve HTTP/2 (over TLS: ALPN h2; else h2c)."""
    d = tmpdir("hs-nginx-")
    port = free_port()
    for sub in ("logs", "tmp", "html"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    listen = f"127.0.0.1:{port}"
    ssl = ""
    if tls:
        make_cert(d)
        listen += " ssl"
        ssl = f"ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;"
    if http2:
        listen += " http2"
    conf = f"""
worker_processes 1;
daemon off;
user root;
pid {d}/nginx.pid;
error_log {d}/logs/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp;
  proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp;
  scgi_temp_path {d}/tmp;
  server {{
    listen {listen};
    {ssl}
    root {d}/html;
    {conf_body}
  }}
}}
"""
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(conf)
    master = Proc(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf")],
                  stderr=subprocess.PIPE)
    wait_port(port)
    workers = []
    end = time.time() + 5
    while not workers and time.time() < end:
        workers = [int(x) for x in subprocess.run(["pgrep", "-P", str(master.pid)],
                   capture_output=True, text=True).stdout.split()]
        time.sleep(0.05)
    return port, master, workers, d


def make_cert(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem"],
                   check=True, capture_output=True)


def run_tests(namespace):
    """Run every test_* function of the calling module; print a summary; exit 1 on failure."""
    only = os.environ.get("HS_ONLY", "")	# a substring of test names, while developing
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f) and only in n]
    passed = failed = 0
    try:
        for name, fn in tests:
            t0 = time.time()
            try:
                fn()
                passed += 1
                print(f"ok   {name} ({time.time() - t0:.1f}s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {name} ({time.time() - t0:.1f}s)", flush=True)
                traceback.print_exc()
    finally:
        for p in Proc.all:
            p.stop()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
