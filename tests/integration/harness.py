"""harness.py: run headless uvqq processes and UDP test peers on loopback.

Everything waits on events with a deadline; nothing sleeps and hopes.
"""
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

UVQQ = os.environ.get("UVQQ", "./uvqq")
TIMEOUT = float(os.environ.get("UVQQ_TEST_TIMEOUT", "10"))


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


class Uvqq:
    """One headless uvqq: send() types a line, wait() reads JSON events."""

    def __init__(self, *args, nick="alice", port=0, bind="127.0.0.1",
                 wrapper=(), data_dir=None, discovery=False, config=None):
        """data_dir: where its history lives; by default a new directory
        of its own, removed by kill(). bind None: uvqq's default (::).
        discovery: let a uvqq bound beyond loopback announce itself; only
        inside a network namespace of the test's own, never on the
        machine's real interfaces. config: a config file to read (by
        default none: --no-config)."""
        self.own_dir = None
        if data_dir is None:
            data_dir = self.own_dir = tempfile.mkdtemp(prefix="uvqq-test-")
        self.data_dir = data_dir
        cmd = list(wrapper) + [UVQQ, "--headless", "--port", str(port)] + \
            (["--bind", bind] if bind is not None else []) + \
            ["--nick", nick] + \
            (["--config", config] if config is not None else
             ["--no-config"]) + ["--data-dir", data_dir] + \
            ([] if discovery or is_loopback(bind) else ["--no-discovery"]) + \
            list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.events = queue.Queue()
        self.seen = []
        self.backlog = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        ready = self.wait("ready")
        self.addr = ready["addr"]
        self.port = int(self.addr.rsplit(":", 1)[1])
        self.addresses = ready.get("addresses", [])
        # A wildcard socket is reached on loopback like any address.
        self.loop_addr = "127.0.0.1:%d" % self.port \
            if bind in (None, "0.0.0.0", "::") else self.addr

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                ev = {"event": "BADLINE", "line": repr(line), "why": str(e)}
            self.events.put(ev)
        self.events.put(None)

    def send(self, line):
        self.proc.stdin.write(line.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def send_bytes(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, event, timeout=TIMEOUT, match=None, **fields):
        """The first event of this kind whose fields match. Events passed
        over stay in the backlog for later waits, in order; every event
        read is also in self.seen. match, if given, is a further test."""
        def matches(ev):
            return ev["event"] == event and all(
                ev.get(k) == v for k, v in fields.items()) and (
                match is None or match(ev))
        for i, ev in enumerate(self.backlog):
            if matches(ev):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("timed out waiting for %s %r; last seen: %r"
                                  % (event, fields, self.seen[-5:]))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if ev is None:
                self.events.put(None)
                raise TestFailure("uvqq exited while waiting for %s %r; "
                                  "stderr: %s" % (event, fields,
                                                  self.proc.stderr.read()))
            self.seen.append(ev)
            check(ev["event"] != "BADLINE", "not JSON: %r" % ev)
            if matches(ev):
                return ev
            self.backlog.append(ev)

    def wait_any(self, timeout=TIMEOUT):
        """The next event of any kind, from the backlog first."""
        if self.backlog:
            return self.backlog.pop(0)
        try:
            ev = self.events.get(timeout=timeout)
        except queue.Empty:
            raise TestFailure("no event in %ss" % timeout)
        if ev is None:
            self.events.put(None)
            raise TestFailure("uvqq exited")
        self.seen.append(ev)
        return ev

    def drain(self):
        """Read every event already written into seen (and the backlog);
        for a process that has exited, that is all it ever wrote."""
        while True:
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                return
            if ev is None:
                self.events.put(None)
                return
            self.seen.append(ev)
            self.backlog.append(ev)

    def collect(self, event, count, timeout=TIMEOUT, **fields):
        return [self.wait(event, timeout, **fields) for _ in range(count)]

    def quit(self, timeout=TIMEOUT):
        try:
            self.send("/quit")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.own_dir is not None:
            shutil.rmtree(self.own_dir, ignore_errors=True)
            self.own_dir = None


def is_loopback(bind):
    return bind is not None and (bind.startswith("127.") or bind == "::1")


class PlainPeer:
    """A bare UDP text peer, like the seed's Python chat: bind, sendto,
    recvfrom(1024), decode()."""

    def __init__(self, port=0, connect=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if connect is not None:
            self.sock.connect(connect)
        else:
            self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port

    def sendto(self, text, port):
        self.sock.sendto(text.encode("utf-8"), ("127.0.0.1", port))

    def recv(self, timeout=TIMEOUT):
        """(text, (ip, port)); decode() raises on bad UTF-8, as the seed's."""
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(1024)
        except socket.timeout:
            raise TestFailure("plain peer: nothing received in %ss" % timeout)
        return data.decode(), addr

    def probes(self, most=5):
        """Read the HELLOs a uvqq probed us with. Call it once uvqq has
        reported us plain: on loopback every probe is here by then."""
        got = []
        self.sock.setblocking(False)
        try:
            while True:
                got.append(self.sock.recv(65536))
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        check(all(g.startswith(b"uvqq/1 HELLO") for g in got),
              "only probes before the plain decision: %r" % got)
        check(len(got) <= most, "%d probes, at most %d" % (len(got), most))
        return len(got)

    def close(self):
        self.sock.close()


def free_port():
    """A UDP port on loopback that nothing holds right now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_udp_bound(port, timeout=TIMEOUT):
    """Wait until some process has bound UDP port on this machine."""
    want = ":%04X" % port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for table in ("/proc/net/udp", "/proc/net/udp6"):
            try:
                with open(table) as f:
                    rows = [line.split() for line in f][1:]
            except OSError:
                continue
            if any(len(r) > 1 and r[1].endswith(want) for r in rows):
                return
        time.sleep(0.01)      # polling the kernel's table, not hoping
    raise TestFailure("nothing bound UDP port %d" % port)


def run(tests):
    """Run test functions; print one line each and a closing count."""
    passed = failed = 0
    for t in tests:
        start = time.monotonic()
        try:
            t()
            passed += 1
            print("ok   %s (%.2fs)" % (t.__name__, time.monotonic() - start))
        except Exception as e:   # a failure of any kind fails that test
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
