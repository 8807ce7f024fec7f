"""Root integration tests of what users read and pipe: JSON Lines fields (checked with jq),
gzip, binary and non-UTF-8 bodies, escaping of hostile bytes in text mode, redaction,
-c with a pipe, stdout/stderr separation, --help and usage errors.

The server is a small raw-socket Python program started once (its own process, traced with
-p) so every byte it sends, including bytes no real server would send, is under our control."""
import base64
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from hs import (HTTPSNOOP, Proc, Snoop, free_port, header, one, require_root_bpf,  # noqa: E402
                run_tests, wait_port)

# The server answers one request per connection, chosen by path, then closes.
GZ_TEXT = "".join(f"line {i}: gzip squeezes this text well\n" for i in range(600))
BINARY = bytes(range(256)) * 4 + b"\x00\xff\x89PNG"
LATIN1 = "café crème, façade\n".encode("latin-1")
SERVER = r'''
import gzip, socket, sys
GZ_TEXT = %r
BINARY = %r
LATIN1 = %r
ROUTES = {
    "/json": ([("Content-Type", "application/json")], b'{"ok": true, "n": 1}\n'),
    "/gzip": ([("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
              gzip.compress(GZ_TEXT.encode(), mtime=0)),
    "/bin": ([("Content-Type", "application/octet-stream")], BINARY),
    "/latin1": ([("Content-Type", "text/plain; charset=iso-8859-1")], LATIN1),
    "/ansi": ([("Content-Type", "text/plain"), ("X-Evil", "\x1b[31mred\x1b[0m\x1b]0;title\x07")],
              b"body \x1b[2J cleared? \x1b[31mred\n"),
    "/cookie": ([("Content-Type", "text/plain"), ("Set-Cookie", "session=set-cookie-secret"),
                 ("X-Secret", "response-secret-value")], b"ok\n"),
}
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        more = c.recv(65536)
        if not more:
            break
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    clen = 0
    for l in lines[1:]:
        if l.lower().startswith("content-length:"):
            clen = int(l.split(":", 1)[1])
    while len(body) < clen:
        more = c.recv(65536)
        if not more:
            break
        body += more
    path = lines[0].split(" ")[1].split("?")[0] if " " in lines[0] else "/"
    hdrs, payload = ROUTES.get(path, ([("Content-Type", "text/plain")], b"not found\n"))
    status = "200 OK" if path in ROUTES else "404 Not Found"
    out = "HTTP/1.1 %%s\r\n" %% status
    for k, v in hdrs + [("Content-Length", str(len(payload))), ("Connection", "close")]:
        out += "%%s: %%s\r\n" %% (k, v)
    c.sendall(out.encode("latin-1") + b"\r\n" + payload)
    c.close()
''' % (GZ_TEXT, BINARY, LATIN1)

require_root_bpf()

PORT = free_port()
SRV = Proc([sys.executable, "-c", SERVER, str(PORT)])
wait_port(PORT)
with open(f"/proc/{SRV.pid}/comm") as f:
    SRV_COMM = f.read().strip()

SECRET_HEADERS = [("Authorization", "Bearer auth-secret-token"),
                  ("Cookie", "sid=cookie-secret-value"),
                  ("X-Secret", "request-secret-value")]
SECRETS = [b"auth-secret-token", b"cookie-secret-value", b"set-cookie-secret",	# always
           b"request-secret-value", b"response-secret-value"]			# X-Secret


def request(method, target, headers=(), body=b""):
    """One request on a new connection; returns (client port, raw response bytes)."""
    with socket.create_connection(("127.0.0.1", PORT), timeout=10) as c:
        lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{PORT}",
                 "User-Agent: hs-test/1"]
        lines += [f"{k}: {v}" for k, v in headers]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        c.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        port = c.getsockname()[1]
        data = b""
        while True:
            more = c.recv(65536)
            if not more:
                return port, data
            data += more


def raw_stdout(s):
    s.out.seek(0)
    return s.out.read()


def jq_ok(text):
    """Every line of text is a JSON value jq accepts (jq -e: and none is null/false)."""
    lines = [l for l in text.splitlines() if l.strip()]
    r = subprocess.run(["jq", "-e", "-c", "."], input=text, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, f"jq failed ({r.returncode}): {r.stderr}\n{text[:2000]}"
    assert len(r.stdout.splitlines()) == len(lines), "jq saw a different number of values"
    return lines


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_json_lines_fields():
    s = Snoop("-p", SRV.pid)
    cport, resp = request("POST", "/json?x=1", [("Content-Type", "text/plain")], b"ping")
    assert resp.startswith(b"HTTP/1.1 200 OK")
    request("GET", "/missing")
    ex = s.stop()
    lines = jq_ok(s.stdout)
    assert len(lines) == len(ex) == 2, s.stdout
    e = one(ex, method="POST", target="/json?x=1", status=200)
    assert RFC3339.match(e["time"]), e["time"]
    assert abs(e["ts_ns"] / 1e9 - time.time()) < 120
    assert e["process"]["pid"] == SRV.pid and e["process"]["comm"] == SRV_COMM
    assert e["process"]["tid"] == SRV.pid and e["process"]["container"] is None
    c = e["connection"]
    assert c["local"] == {"addr": "127.0.0.1", "port": PORT}, c
    assert c["remote"] == {"addr": "127.0.0.1", "port": cport}, c
    assert c["role"] == "server" and c["protocol"] == "HTTP/1.1" and c["stream_id"] is None
    assert c["tls"] is False and c["tls_lib"] is None and c["source"] == "syscall"
    rq, rs = e["request"], e["response"]
    assert rq["path"] == "/json" and rq["query"] == "x=1"
    assert rq["authority"] == f"127.0.0.1:{PORT}" and rq["version"] == "HTTP/1.1"
    assert rq["headers"][:2] == [["Host", f"127.0.0.1:{PORT}"], ["User-Agent", "hs-test/1"]]
    assert rq["body"]["text"] == "ping" and rq["body"]["size"] == 4
    assert rs["status"] == 200 and rs["reason"] == "OK"
    assert header(rs, "Content-Type") == "application/json"
    assert header(rs, "Content-Length") == "21"
    assert rs["body"] == {"size": 21, "captured": 21, "encoding": None,
                          "text": '{"ok": true, "n": 1}\n'}, rs["body"]
    t = e["timing"]
    assert RFC3339.match(t["start"]) and RFC3339.match(t["end"]) and t["start"] == e["time"]
    assert isinstance(t["latency_ms"], (int, float)) and 0 <= t["latency_ms"] < 10000
    assert e["sizes"] == {"request_body": 4, "response_body": 21}
    assert e["grpc"] is None
    f = e["flags"]
    assert not any(v for k, v in f.items() if k not in ("skipped_bytes",)), f
    assert f["skipped_bytes"] == 0
    for k in ("no_response", "no_request", "invalid_request", "invalid_response", "truncated",
              "gap", "incomplete", "headers_lost", "headers_cut", "reset", "pushed", "upgrade"):
        assert k in f, k
    m = one(ex, method="GET", target="/missing", status=404)
    assert m["request"]["body"] is None and m["sizes"]["request_body"] == 0


def test_gzip_body_round_trip():
    s = Snoop("-p", SRV.pid)
    request("GET", "/gzip")
    ex = s.stop()
    jq_ok(s.stdout)
    b = one(ex, target="/gzip", status=200)["response"]["body"]
    wire = len(gzip.compress(GZ_TEXT.encode(), mtime=0))
    assert b["encoding"] == "gzip" and b["size"] == wire and b["captured"] == wire, b
    assert b["decoded_size"] == len(GZ_TEXT) and b["decoded_cut"] is False
    assert b["decoded_whole"] is True and b["decoded_error"] is False
    assert b["text"] == GZ_TEXT
    assert len(GZ_TEXT) > 4096 > wire	# more text than the default snap length
    # text mode shows the same decoded text
    s = Snoop("-p", SRV.pid, "-vv", json_out=False)
    request("GET", "/gzip")
    out = "\n".join(s.stop())
    assert f"< [body {wire} bytes, gzip: {len(GZ_TEXT)} bytes decoded, text]" in out, out
    assert "<| line 599: gzip squeezes this text well" in out, out


def test_binary_body_base64():
    s = Snoop("-p", SRV.pid, "-s", "0")
    request("GET", "/bin")
    ex = s.stop()
    jq_ok(s.stdout)
    b = one(ex, target="/bin", status=200)["response"]["body"]
    assert "text" not in b and b["encoding"] is None, b
    assert b["size"] == b["captured"] == len(BINARY)
    assert base64.b64decode(b["base64"]) == BINARY


def test_body_not_utf8():
    s = Snoop("-p", SRV.pid)
    request("GET", "/latin1")
    ex = s.stop()
    jq_ok(s.stdout)
    b = one(ex, target="/latin1", status=200)["response"]["body"]
    assert b["text"] == LATIN1.decode("utf-8", errors="replace"), b
    assert "\ufffd" in b["text"]
    assert base64.b64decode(b["base64"]) == LATIN1


def test_ansi_escapes_never_reach_terminal():
    s = Snoop("-p", SRV.pid, "-vv", json_out=False)
    request("GET", "/ansi", [("X-Req-Evil", "\x1b[1;1H\x1b[2Jwiped")])
    s.stop()
    out = raw_stdout(s)
    assert b"/ansi -> 200 OK" in out, out
    assert b"\x1b" not in out and b"\x07" not in out, out
    assert b"< X-Evil: \\x1b[31mred\\x1b[0m\\x1b]0;title\\x07" in out, out
    assert b"> X-Req-Evil: \\x1b[1;1H\\x1b[2Jwiped" in out, out
    assert b"<| body \\x1b[2J cleared? \\x1b[31mred" in out, out
    out.decode("utf-8")	# always valid UTF-8
    # and JSON keeps the value, escaped
    s = Snoop("-p", SRV.pid)
    request("GET", "/ansi")
    ex = s.stop()
    assert b"\x1b" not in raw_stdout(s)
    e = one(ex, target="/ansi")
    assert header(e["response"], "X-Evil") == "\x1b[31mred\x1b[0m\x1b]0;title\x07"


def secret_exchange(*args, json_out=True):
    s = Snoop("-p", SRV.pid, "-v", *args, json_out=json_out)
    request("GET", "/cookie", SECRET_HEADERS)
    s.stop()
    return s, raw_stdout(s)


def test_redaction_on_by_default():
    s, out = secret_exchange(json_out=False)
    for secret in SECRETS[:3]:
        assert secret not in out, (secret, out)
    assert b"> Authorization: [redacted 24 bytes]" in out, out
    assert b"> Cookie: [redacted 23 bytes]" in out, out
    assert b"< Set-Cookie: [redacted 25 bytes]" in out, out
    assert b"> X-Secret: request-secret-value" in out, out	# not on the list
    s, out = secret_exchange()
    for secret in SECRETS[:3]:
        assert secret not in out, (secret, out)
    e = one([json.loads(l) for l in out.splitlines()], target="/cookie")
    assert header(e["request"], "Authorization") == "[redacted]"
    assert header(e["request"], "Cookie") == "[redacted]"
    assert header(e["response"], "Set-Cookie") == "[redacted]"
    assert e["request"]["redacted"] == [["Authorization", 24], ["Cookie", 23]]
    assert e["response"]["redacted"] == [["Set-Cookie", 25]]


def test_no_redact_and_redact_header():
    s, out = secret_exchange("--no-redact", json_out=False)
    for secret in SECRETS:
        assert secret in out, (secret, out)
    s, out = secret_exchange("--redact-header", "x-secret")
    for secret in SECRETS:
        assert secret not in out, (secret, out)
    e = one([json.loads(l) for l in out.splitlines()], target="/cookie")
    assert header(e["request"], "X-Secret") == "[redacted]"
    assert header(e["response"], "X-Secret") == "[redacted]"
    assert ["X-Secret", 20] in e["request"]["redacted"]
    s, out = secret_exchange("--redact-header", "X-Secret", json_out=False)
    assert b"> X-Secret: [redacted 20 bytes]" in out, out
    assert b"< X-Secret: [redacted 21 bytes]" in out, out


def wait_tracing(path, p, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        with open(path) as f:
            if "httpsnoop: tracing " in f.read():
                return
        assert p.poll() is None, "httpsnoop exited early"
        time.sleep(0.05)
    raise AssertionError("httpsnoop did not start tracing")


def test_count_into_pipe_exits_by_itself():
    for mode in ([], ["-j"]):
        errf = tempfile.NamedTemporaryFile(prefix="hs-err-", delete=False)
        cmd = f"'{HTTPSNOOP}' {' '.join(mode)} -c 1 -p {SRV.pid} 2>'{errf.name}' | cat"
        p = subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.PIPE)
        wait_tracing(errf.name, p)
        request("GET", "/json")
        request("GET", "/json?second")
        request("GET", "/json?third")
        try:
            out, _ = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            raise AssertionError("httpsnoop -c 1 | cat did not exit by itself")
        assert p.returncode == 0
        lines = out.decode().splitlines()
        assert len(lines) == 1, lines
        assert "GET /json" in lines[0] or json.loads(lines[0])["request"]["target"] == "/json"
        with open(errf.name) as f:
            err = f.read()
        os.unlink(errf.name)
        assert "1 exchange printed" in err, err


def test_errors_and_summary_on_stderr():
    s = Snoop("-p", SRV.pid)
    for i in range(3):
        request("GET", f"/json?{i}")
    ex = s.stop()
    assert len(ex) == 3 and s.rc == 0
    jq_ok(s.stdout)
    assert "3 exchanges printed" in s.stderr and "records captured" in s.stderr, s.stderr
    assert "printed" not in s.stdout and "tracing" not in s.stdout
    # runtime errors: exit 1, a message on stderr, nothing on stdout
    for argv in (["-j", "-p", "999999999"], ["-j", "-r", "/nonexistent/cap"],
                 ["-j", "-r", "/etc/hostname"]):
        r = subprocess.run([HTTPSNOOP, *argv], capture_output=True, text=True, timeout=30)
        assert r.returncode == 1, (argv, r.returncode, r.stderr)
        assert r.stdout == "" and r.stderr.startswith("httpsnoop: "), (argv, r)
    # a capture file decoded with -j: stdout is only JSON, the summary is on stderr
    with tempfile.NamedTemporaryFile(suffix=".hsnoop") as cap:
        s = Snoop("-p", SRV.pid, "-w", cap.name, json_out=False)
        request("GET", "/gzip")
        request("GET", "/bin")
        s.stop()
        r = subprocess.run([HTTPSNOOP, "-r", cap.name, "-j"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        assert len(jq_ok(r.stdout)) == 2
        assert "2 exchanges printed" in r.stderr, r.stderr


def test_small_ring_buffer():
    s = Snoop("-B", "64", "-p", SRV.pid)
    for i in range(20):
        request("GET", f"/json?small{i}")
    ex = s.stop()
    assert [e["request"]["target"] for e in ex] == [f"/json?small{i}" for i in range(20)]
    assert " 0 lost" in s.stderr, s.stderr


def test_lost_records_are_said_as_they_happen():
    # a 64 KiB receive makes four 16 KiB records, more than a 64 KiB ring holds: records are
    # lost inside one system call, whatever the reader does. A line says so while tracing
    # goes on (the summary comes only at the end), and the exchange is marked.
    s = Snoop("-B", "64", "-p", SRV.pid)
    request("POST", "/json?big", body=b"x" * 1_000_000)
    s.wait_for("records lost: the kernel ring buffer (64 KiB) was full; -B 128 doubles it",
               timeout=5, stderr=True)
    ex = s.stop()
    e = one(ex, method="POST", target="/json?big", status=200)
    assert e["sizes"]["request_body"] == 1_000_000 and e["flags"]["gap"], e
    live = sum(int(l.split()[1]) for l in s.stderr.splitlines() if "records lost:" in l)
    total = int(s.stderr.split(" records captured, ")[1].split()[0])
    assert 0 < live <= total, s.stderr


def test_small_ring_buffer_keeps_up_with_a_burst():
    # 100 exchanges of ~8 KiB, faster than the 100 ms the reader may sleep: with -B 256 the
    # ring holds a third of them, so the reader must be woken as it fills, not per 256 KiB
    s = Snoop("-B", "256", "-p", SRV.pid)
    body = b"b" * 8192
    for i in range(100):
        request("POST", f"/json?burst{i}", body=body)
    ex = s.stop()
    assert " 0 lost" in s.stderr, s.stderr
    assert [e["request"]["target"] for e in ex] == [f"/json?burst{i}" for i in range(100)]
    assert all(e["sizes"]["request_body"] == 8192 and not e["flags"]["gap"] for e in ex)


def test_help_fits_one_screen():
    r = subprocess.run([HTTPSNOOP, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) <= 40, len(lines)
    assert max(len(l) for l in lines) <= 100
    assert any(l.lower().startswith("examples") for l in lines), r.stdout
    assert "jq" in r.stdout and "httpsnoop(8)" in r.stdout
    r2 = subprocess.run([HTTPSNOOP, "-h"], capture_output=True, text=True, timeout=10)
    assert r2.stdout == r.stdout


def test_usage_errors_exit_2_with_one_line():
    bad = [["--bogus"], ["-X"], ["-c", "x"], ["-c", "-1"], ["-s", "nope"], ["-s", "99999999999"],
           ["-p", "abc"], ["-p", "1,,x"], ["-p", "+1"], ["-c", " 3"], ["-c"],
           ["--redact-header"], ["extra-arg"],
           ["-w", "/tmp/a", "-r", "/tmp/b"], ["--json=1"], ["-B", "100"], ["-B", "32"],
           ["--buffer-size", "x"], ["-B", "2097152"], ["-c", "0"], ["--port", "0"],
           ["--port", "65536"]]
    for argv in bad:
        r = subprocess.run([HTTPSNOOP, *argv], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (argv, r.returncode, r.stderr)
        assert r.stdout == "", (argv, r.stdout)
        assert len(r.stderr.splitlines()) == 1, (argv, r.stderr)
        assert r.stderr.startswith("httpsnoop: "), (argv, r.stderr)
    # what getopt found wrong is said: several options start so, or a flag given a value
    for argv, said in ((["--no"], "ambiguous option --no"),
                       (["--json=1"], "option --json takes no value"),
                       (["--no-color=yes"], "option --no-color takes no value")):
        r = subprocess.run([HTTPSNOOP, *argv], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and said in r.stderr, (argv, r.stderr)
    # a name where a pid goes: where names go is said
    r = subprocess.run([HTTPSNOOP, "-p", "nginx"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "'nginx' (a command name goes to --comm)" in r.stderr, r.stderr


def test_capture_files_cut_missing_or_kept():
    with tempfile.TemporaryDirectory() as d:
        cap = os.path.join(d, "c.hsnoop")
        s = Snoop("-p", SRV.pid, "-w", cap, json_out=False)
        request("GET", "/json?one")
        request("GET", "/json?two")
        s.stop()
        data = open(cap, "rb").read()
        assert os.stat(cap).st_mode & 0o777 == 0o600	# it holds what redaction hides
        # records are length-prefixed after a 16-byte header: cut two bytes into the length
        # of the last one, then inside its data; both are said, after what came before
        offs, off = [], 16
        while off < len(data):
            offs.append(off)
            off += 4 + int.from_bytes(data[off:off + 4], "little")
        assert off == len(data) and len(offs) >= 4, (off, len(data), offs)
        for cut in (offs[-1] + 2, offs[-1] + 6):
            with open(cap + ".cut", "wb") as f:
                f.write(data[:cut])
            r = subprocess.run([HTTPSNOOP, "-r", cap + ".cut"], capture_output=True, text=True,
                               timeout=30)
            assert r.returncode == 1 and "is damaged or cut short" in r.stderr, (cut, r.stderr)
            assert "GET /json?one" in r.stdout, r.stdout
        # a start that fails leaves an existing file alone, as tcpdump does
        r = subprocess.run([HTTPSNOOP, "-w", cap, "--container", "nosuch"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and open(cap, "rb").read() == data, r.stderr
        # a file name quoted in a message is escaped like captured bytes
        evil = os.path.join(d, "\x1b]0;title\x07\x1b[31m")
        for argv in (["-r", evil], ["-w", os.path.join(evil, "x"), "-p", str(SRV.pid)]):
            r = subprocess.run([HTTPSNOOP, *argv], capture_output=True, timeout=30)
            assert r.returncode == 1 and b"\x1b" not in r.stderr and b"\x07" not in r.stderr, r
            assert r.stderr.count(b"\n") == 1, r.stderr
        # -c ends reading a pipe that stays open; so does Ctrl-C, without calling it damage
        for extra, sig in ((["-c", "1"], None), ([], signal.SIGINT)):
            feeder = subprocess.Popen(["sh", "-c", f"cat '{cap}'; sleep 30"],
                                      stdout=subprocess.PIPE)
            p = subprocess.Popen([HTTPSNOOP, "-r", "-", *extra], stdin=feeder.stdout,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            feeder.stdout.close()
            if sig:
                time.sleep(1)
                p.send_signal(sig)
            try:
                out, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                raise AssertionError(f"httpsnoop -r - {extra} went on reading an open pipe")
            finally:
                feeder.kill()
                feeder.wait()
            assert p.returncode == 0 and "damaged" not in err, (extra, p.returncode, err)
            assert out.count("GET /json?") == (1 if extra else 2), out
        # a closed standard stream is not taken by the capture file or the output
        r = subprocess.run(["sh", "-c", f"'{HTTPSNOOP}' -r '{cap}' >&-"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and "standard output is closed" in r.stderr, r.stderr
        p = subprocess.Popen([HTTPSNOOP, "-p", str(SRV.pid), "-w", cap + ".2"],
                             preexec_fn=lambda: os.close(2))
        end = time.time() + 30
        while time.time() < end and not (os.path.exists(cap + ".2") and
                                         os.path.getsize(cap + ".2") >= 16):
            time.sleep(0.05)
        time.sleep(1)	# the file is begun before the probes are attached
        request("GET", "/json?three")
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=20) == 0
        r = subprocess.run([HTTPSNOOP, "-r", cap + ".2"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0 and "GET /json?three" in r.stdout, r


def test_target_gone_while_starting():
    # a target that ends while the probes are being attached sends no exit record: it is
    # noticed once they are, and httpsnoop stops as it does when the last target exits
    target = subprocess.Popen(["sleep", "0.2"])	# a zombie, not reaped, until the end
    try:
        r = subprocess.run([HTTPSNOOP, "-p", str(target.pid)], capture_output=True, text=True,
                           timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError("httpsnoop -p waited on for a target gone while it started")
    finally:
        target.wait()
    assert r.returncode == 0, r
    assert f"pid {target.pid} exited before tracing began" in r.stderr, r.stderr


run_tests(globals())
