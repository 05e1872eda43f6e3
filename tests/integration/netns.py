"""netns.py: small simulated networks in Linux network namespaces.

A Net makes namespaces with names unique to this run (uvqq-<pid>-<name>),
links them with veth pairs and bridges, gives them addresses and routes,
and runs commands and background processes inside them with
`ip netns exec`. Every link lives inside a namespace the Net made, so the
machine's own interfaces are never touched and never carry test traffic,
and deleting the namespaces takes every link with them.

    with netns.Net() as net:
        a, b = net.ns("a"), net.ns("b")
        net.veth(a, "eth0", b, "eth0")
        a.addr("eth0", "10.0.0.1/24")
        b.addr("eth0", "10.0.0.2/24")
        p = b.popen(["python3", "-m", "http.server"])

Teardown (close(), also run by `with`, by atexit, and on SIGTERM/SIGHUP,
which are turned into SystemExit, and SIGINT, KeyboardInterrupt; a
signal during a teardown waits until it is done)
kills every process started in the namespaces, whoever started it, then
deletes them and the Net's temporary directory (net.tmp). Background
processes also get SIGKILL when the test dies (setpriv --pdeathsig), so
even a SIGKILLed test leaves only empty namespaces and a directory, which
the next Net removes (sweep_stale).

A test that cannot run here calls require() first and on Skip calls
skip_exit(), which exits with SKIP_RETURN_CODE (ctest's
SKIP_RETURN_CODE): not root, no `ip netns`, a missing program. Where
UVQQ_NETNS_REQUIRED is set (.ci/run) it fails instead.

Run as a script, it is also a tiny UDP tool for use inside namespaces
(no ping or nc on a fresh Debian):
    netns.py udp-echo HOST PORT          answer every datagram with itself
    netns.py udp-sink HOST PORT          print "ready", then each datagram
    netns.py udp-send HOST PORT TEXT     send one datagram
    netns.py udp-probe HOST PORT SECS    send every 0.2 s until echoed
"""
import atexit
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP_RETURN_CODE = 77
HERE = os.path.abspath(__file__)


class Skip(Exception):
    """This machine cannot run the test; the message says why."""


def skip_exit(why):
    """Exit as skipped; as failed where UVQQ_NETNS_REQUIRED is set (CI,
    which installs what these tests need and must not skip them)."""
    if os.environ.get("UVQQ_NETNS_REQUIRED"):
        print("FAIL: %s (UVQQ_NETNS_REQUIRED is set)" % why)
        sys.stdout.flush()
        sys.exit(1)
    print("SKIP: %s" % why)
    sys.stdout.flush()
    sys.exit(SKIP_RETURN_CODE)


def require(programs=(), packages=None):
    """Raise Skip unless we are root, `ip netns add` works and every
    program is on PATH. packages: a hint for the message, e.g.
    {"yggdrasil": "yggdrasil", "iptables": "iptables"}."""
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces); run as root or "
                   "under sudo")
    missing = [p for p in ("ip", "setpriv") + tuple(programs)
               if shutil.which(p) is None]
    if missing:
        pkgs = sorted({(packages or {}).get(p, p) for p in missing})
        raise Skip("%s not installed (apt-get install %s)"
                   % (", ".join(missing), " ".join(pkgs)))
    name = "uvqq-%d-probe" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise Skip("cannot create a network namespace (ip netns add: %s)"
                   % r.stderr.strip())
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def run_tests(what, tests, programs=(), packages=None):
    """A namespace test file's main: skip (or fail, see skip_exit) where
    it cannot run, else run the tests (harness.run) and say that a signal
    still tore everything down. Returns the exit status."""
    from harness import run
    try:
        require(programs, packages)
    except Skip as e:
        skip_exit("%s: %s" % (what, e))
    try:
        return run(tests)
    except KeyboardInterrupt:
        print("interrupted; every namespace and process removed")
        return 130
    except SystemExit:
        print("stopped by a signal; every namespace and process removed")
        raise


class CommandFailed(Exception):
    pass


def _run(argv, check=True, timeout=30, input=None):
    r = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and r.returncode != 0:
        raise CommandFailed("%s: exit %d: %s" % (" ".join(argv),
                                                 r.returncode,
                                                 r.stderr.strip()))
    return r


def wait_for(what, cond, timeout=30, interval=0.05):
    """Poll cond() until it returns something true; return that. On
    timeout raise TimeoutError naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %ss waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


def _netns_pids(name):
    r = subprocess.run(["ip", "netns", "pids", name], capture_output=True,
                       text=True)
    return [int(p) for p in r.stdout.split()] if r.returncode == 0 else []


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(name, prefix):
    """Whether name is prefix<pid>-... of a process that is gone."""
    rest = name[len(prefix):] if name.startswith(prefix) else ""
    pid = rest.split("-", 1)[0]
    return pid.isdigit() and "-" in rest and not _pid_alive(int(pid))


def sweep_stale(prefix="uvqq-"):
    """Delete namespaces and temporary directories named prefix<pid>-...
    whose creator is gone (left by a test killed with SIGKILL), if
    nothing runs in them any more. Another run's are never touched: its
    pid is alive."""
    r = subprocess.run(["ip", "netns", "list"], capture_output=True,
                       text=True)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if _stale(name, prefix) and not _netns_pids(name):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        if _stale(name, prefix):
            shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)


class Namespace:
    """One network namespace made by a Net."""

    def __init__(self, net, short):
        self.net = net
        self.short = short
        self.name = "%s%s" % (net.prefix, short)

    def __repr__(self):
        return "<netns %s>" % self.name

    def exec_prefix(self, pdeathsig=True):
        """The argv prefix that runs a program inside this namespace; with
        pdeathsig, the program is killed when the Python process dies."""
        pre = ["ip", "netns", "exec", self.name]
        if pdeathsig:
            pre += ["setpriv", "--pdeathsig", "KILL", "--"]
        return pre

    def run(self, argv, check=True, timeout=30, input=None):
        """Run argv inside; return the CompletedProcess (text)."""
        return _run(self.exec_prefix(False) + list(argv), check=check,
                    timeout=timeout, input=input)

    def ip(self, *args, check=True):
        return _run(["ip", "-n", self.name] + list(args), check=check)

    def ip_json(self, *args):
        return json.loads(_run(["ip", "-j", "-n", self.name] +
                               list(args)).stdout or "[]")

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

    def popen(self, argv, log=None, **kw):
        """Start argv in the background inside this namespace. log: a file
        path for its stdout and stderr (else kw decide). The Net kills
        it at teardown."""
        if log is not None:
            f = open(log, "ab")
            kw.setdefault("stdout", f)
            kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("stdin", subprocess.DEVNULL)
        try:
            p = subprocess.Popen(self.exec_prefix() + list(argv),
                                 start_new_session=True, **kw)
        finally:
            if log is not None:
                f.close()
        self.net.procs.append(p)
        return p

    def python(self, argv, **kw):
        """popen() of this Python running argv."""
        return self.popen([sys.executable] + list(argv), **kw)

    def addr(self, dev, cidr):
        self.ip("addr", "add", cidr, "dev", dev)

    def route(self, dest, via=None, dev=None):
        args = ["route", "add", dest]
        if via:
            args += ["via", via]
        if dev:
            args += ["dev", dev]
        self.ip(*args)

    def up(self, dev):
        self.ip("link", "set", dev, "up")

    def addresses(self, dev=None, family=None):
        """[(address, prefixlen, flags)] of dev (or all devices), with
        flags such as "tentative" as ip reports them."""
        args = ["addr", "show"] + (["dev", dev] if dev else [])
        try:
            rows = self.ip_json(*args)
        except CommandFailed:
            return []
        out = []
        for link in rows:
            for a in link.get("addr_info", []):
                if family and a.get("family") != family:
                    continue
                flags = [k for k in ("tentative", "dadfailed", "deprecated")
                         if a.get(k)]
                out.append((a["local"], a["prefixlen"], flags))
        return out

    def wait_linklocal(self, dev, timeout=10):
        """Poll until dev has an IPv6 link-local address that is no
        longer tentative (duplicate address detection done); return it."""
        def ready():
            for a, _, flags in self.addresses(dev, "inet6"):
                if a.lower().startswith("fe80:") and not flags:
                    return a
            return None
        return wait_for("a usable link-local address on %s in %s"
                        % (dev, self.name), ready, timeout=timeout,
                        interval=0.02)

    def has_link(self, dev):
        return self.ip("link", "show", dev, check=False).returncode == 0

    def pids(self):
        return _netns_pids(self.name)

    def udp_send(self, host, port, text):
        self.run([sys.executable, HERE, "udp-send", host, str(port), text])

    def udp_probe(self, host, port, timeout=20):
        """Send to an echo server every 0.2 s until one comes back; raise
        TimeoutError if none does within timeout."""
        r = self.run([sys.executable, HERE, "udp-probe", host, str(port),
                      str(timeout)], check=False, timeout=timeout + 10)
        if r.returncode != 0:
            raise TimeoutError("no UDP echo from %s port %s in %s within "
                               "%ss: %s" % (host, port, self.name, timeout,
                                            r.stderr.strip()))
        return float(r.stdout.split()[-1])


class Net:
    """A set of namespaces and what runs in them; see the module doc."""

    live = []

    def __init__(self, prefix=None, sweep=True):
        if sweep:
            sweep_stale()
        self.prefix = prefix or "uvqq-%d-" % os.getpid()
        self.namespaces = []
        self.procs = []
        self.closed = False
        self._tmp = None
        Net.live.append(self)
        _install_handlers()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def tmp(self):
        """A directory for configs, logs and data, removed at teardown
        (or by the next run's sweep_stale after a SIGKILL)."""
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix=self.prefix)
        return self._tmp

    def ns(self, short, dad=True):
        """A new namespace, loopback up. dad=False: no IPv6 duplicate
        address detection in it (set before any link exists), so its
        link-local and other IPv6 addresses are usable as soon as the
        link is up, not 1-2 s later."""
        ns = Namespace(self, short)
        _run(["ip", "netns", "add", ns.name])
        self.namespaces.append(ns)
        if not dad:
            ns.sysctl("net.ipv6.conf.all.accept_dad", 0)
            ns.sysctl("net.ipv6.conf.default.accept_dad", 0)
        ns.up("lo")
        return ns

    def veth(self, a, name_a, b, name_b, up=True):
        """A veth pair: name_a inside a, name_b inside b (never in the
        machine's own namespace, not even for a moment)."""
        _run(["ip", "-n", a.name, "link", "add", name_a, "type", "veth",
              "peer", "name", name_b, "netns", b.name])
        if up:
            a.up(name_a)
            b.up(name_b)

    def bridge(self, ns, name, ports=(), up=True):
        """A bridge in ns with the given interfaces of ns as its ports."""
        ns.ip("link", "add", name, "type", "bridge")
        for p in ports:
            ns.ip("link", "set", p, "master", name)
        if up:
            ns.up(name)

    def close(self):
        """Kill every process in our namespaces, delete them. Safe to
        call twice; signals wait until it is done."""
        global _closing
        if self.closed:
            return
        outer = _closing
        _closing = True
        try:
            self._close()
        finally:
            _closing = outer
        if not outer and _pending:
            _raise_pending()

    def _close(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + 2
        for p in self.procs:
            try:
                p.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Whatever still runs inside, ours or started by someone else
        # with our exec_prefix() (a uvqq from harness.Uvqq): SIGKILL.
        for _ in range(50):
            left = [pid for ns in self.namespaces for pid in ns.pids()]
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        for p in self.procs:
            try:
                p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns.name],
                           capture_output=True)
        self.namespaces = []
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self.closed = True
        if self in Net.live:
            Net.live.remove(self)


_handlers_installed = False
_closing = False
_pending = []


def _raise_pending():
    signum = _pending.pop()
    del _pending[:]
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _on_signal(signum, frame):
    # Unwinds through every `with Net()` and finally; atexit catches
    # the rest. During a teardown the signal waits until it is done.
    _pending.append(signum)
    if not _closing:
        _raise_pending()


def _close_all():
    for net in list(Net.live):
        net.close()


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_close_all)
    for s, default in ((signal.SIGINT, signal.default_int_handler),
                       (signal.SIGTERM, signal.SIG_DFL),
                       (signal.SIGHUP, signal.SIG_DFL)):
        if signal.getsignal(s) == default:
            signal.signal(s, _on_signal)


# --- the UDP tool, run inside a namespace -------------------------------

def _sock(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.socket(fam, socket.SOCK_DGRAM)


def _main(argv):
    cmd, host, port = argv[0], argv[1], int(argv[2])
    s = _sock(host)
    if cmd in ("udp-echo", "udp-sink"):
        s.bind((host, port))
        print("ready", flush=True)
        while True:
            data, addr = s.recvfrom(65536)
            if cmd == "udp-echo":
                s.sendto(data, addr)
            else:
                print("%s %s" % (addr[0], data.decode("utf-8", "replace")),
                      flush=True)
    if cmd == "udp-send":
        s.sendto(argv[3].encode(), (host, port))
        return 0
    if cmd == "udp-probe":
        start = time.monotonic()
        deadline = start + float(argv[3])
        s.settimeout(0.2)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            token = ("probe %d" % n).encode()
            try:
                s.sendto(token, (host, port))
                while True:
                    data = s.recv(65536)
                    if data.startswith(b"probe "):
                        print("echo after %d tries %.3f"
                              % (n, time.monotonic() - start))
                        return 0
            except socket.timeout:
                continue
            except OSError as e:
                # No route yet (the overlay is still coming up): retry.
                if e.errno not in (errno.ENETUNREACH, errno.EHOSTUNREACH,
                                   errno.ECONNREFUSED, errno.EADDRNOTAVAIL):
                    raise
                time.sleep(0.2)
        print("no echo after %d tries" % n, file=sys.stderr)
        return 1
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
