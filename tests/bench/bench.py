#!/usr/bin/env python3
"""bench.py: uvqq's benchmarks (issues 7 and 16), every figure in one
run, side by side with the seed's Python chat (the program uvqq replaces)
and a bare libuv receiver (the floor), on loopback only.

    python3 tests/bench/bench.py            # the full run (a few minutes)
    python3 tests/bench/bench.py --quick    # scaled down: does it work?

Binaries come from $UVQQ, $BENCH_FLOOR and $BENCH_BLAST, or from ./build.
BENCHMARKS.md says what each figure means and how it is measured. A
benchmark is not a test: --quick only checks that every figure was
produced and is sane (and that the reliable run delivered everything
exactly once, in order), never a timing.
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build")
UVQQ = os.environ.get("UVQQ", os.path.join(BUILD, "uvqq"))
FLOOR = os.environ.get("BENCH_FLOOR",
                       os.path.join(BUILD, "tests", "bench", "bench_floor"))
BLAST = os.environ.get("BENCH_BLAST",
                       os.path.join(BUILD, "tests", "bench", "bench_blast"))
SEED = os.path.join(HERE, "seed_chat.py")
PY = sys.executable
TIMEOUT = 30.0          # for any one thing to start or answer
STALL = 10.0            # a run with no progress this long has failed

# How much of each figure: the full run, and the quick one.
FULL = dict(ingest=200000, drain=200000, burst=8000, pair=200000,
            reliable=200000, latency=1000, latency_gap=0.005,
            latency_fast=0.001, idle=10.0, rss=1000000, screen=200000,
            echo=5, rounds=3, quiet=0.5)
QUICK = dict(ingest=5000, drain=5000, burst=2500, pair=5000, reliable=5000,
             latency=50, latency_gap=0.002, latency_fast=0.001, idle=2.0,
             rss=20000, screen=5000, echo=1, rounds=1, quiet=0.3)


class BenchError(Exception):
    pass


# Each uvqq gets a data directory of its own (when it keeps one), so runs
# never share or touch the person's history; --no-history, if asked for.
_TMP = []
_HELP = None
NO_HISTORY = False


def uvqq_isolation():
    global _HELP
    if _HELP is None:
        _HELP = subprocess.run([UVQQ, "--help"], capture_output=True,
                               timeout=TIMEOUT).stdout.decode()
    args = []
    if "--data-dir" in _HELP:
        if not _TMP:
            _TMP.append(tempfile.mkdtemp(prefix="uvqq-bench-"))
        args += ["--data-dir", tempfile.mkdtemp(dir=_TMP[0])]
    if "--no-config" in _HELP:
        args.append("--no-config")
    # Bound to loopback it would not announce anyway; say so outright,
    # so no change of bind ever makes the benchmark speak on a LAN.
    if "--no-discovery" in _HELP:
        args.append("--no-discovery")
    if NO_HISTORY and "--no-history" in _HELP:
        args.append("--no-history")
    return args


# --- what the kernel says about a process and a socket ----------------------

def cpu_seconds(pid):
    """CPU time of every thread of pid, from schedstat (nanoseconds), or
    utime+stime (clock ticks) where schedstat is missing."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_settled(pids, still=0.3, limit=120.0):
    """CPU seconds of each of pids once none of them has used more than
    1 ms in still seconds: what a message leaves for later (uvqq's
    checkpoint of its log, done when quiet) is part of its cost."""
    deadline = time.monotonic() + limit
    last = [cpu_seconds(p) for p in pids]
    while True:
        time.sleep(still)
        now = [cpu_seconds(p) for p in pids]
        if all(b - a < 0.001 for a, b in zip(last, now)) or \
                time.monotonic() > deadline:
            return now
        last = now


def cpu_when_counted(pid, out, quiet, every=0.01):
    """Wait until no line was counted on out for quiet seconds, sampling
    pid's CPU meanwhile: its CPU at the first sample that saw the last
    line, before the work it leaves for later (uvqq checkpoints its log
    once nothing came for 100 ms)."""
    seen, at, since = -1, 0.0, time.monotonic()
    while True:
        c, k, now = cpu_seconds(pid), out.count, time.monotonic()
        if k != seen:
            seen, at, since = k, c, now
        elif now - since >= quiet or out.closed:
            return at
        time.sleep(every)


def context_switches(pid):
    """Voluntary + involuntary context switches over all threads: each
    time a thread went to sleep or was put off the CPU."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass        # a thread that just ended
    return total


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def udp_socket(port):
    """(bytes waiting, datagrams dropped) of the socket bound to
    127.0.0.1:port, from /proc/net/udp; None when nothing is bound."""
    want = "0100007F:%04X" % port
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want:
                return int(cols[4].split(":")[1], 16), int(cols[12])
    return None


def wait_bound(port):
    deadline = time.monotonic() + TIMEOUT
    while udp_socket(port) is None:
        if time.monotonic() > deadline:
            raise BenchError("nothing bound UDP port %d" % port)
        time.sleep(0.01)    # polling the kernel's table


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


# --- processes ---------------------------------------------------------------

class Output:
    """Reads a process's stdout in a thread, counts lines holding needle,
    remembers when the last one came, and keeps the bytes if asked."""

    def __init__(self, proc, needle, keep=False, initial=b""):
        self.proc = proc
        self.initial = initial
        self.needle = needle
        self.keep = keep
        self.chunks = []
        self.count = 0
        self.last = None
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        partial = b""
        while True:
            data, self.initial = self.initial or os.read(fd, 1 << 20), b""
            now = time.monotonic()
            if not data:
                break
            data = partial + data
            cut = data.rfind(b"\n") + 1
            partial = data[cut:]
            n = data.count(self.needle, 0, cut)
            with self.cond:
                if self.keep:
                    self.chunks.append(data[:cut])
                if n:
                    self.count += n
                    self.last = now
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return b"".join(self.chunks)

    def wait_count(self, n, timeout=TIMEOUT):
        """Wait for n lines, or until none came for timeout seconds."""
        with self.cond:
            seen, since = self.count, time.monotonic()
            while self.count < n and not self.closed:
                self.cond.wait(0.1)
                if self.count != seen:
                    seen, since = self.count, time.monotonic()
                elif time.monotonic() - since > timeout:
                    break
            return self.count

    def wait_quiet(self, quiet):
        """Wait until no counted line came for quiet seconds."""
        with self.cond:
            while not self.closed:
                last = self.last if self.last is not None else 0
                if time.monotonic() - last >= quiet:
                    return
                self.cond.wait(quiet)

    def wait_text(self, pattern, count=1, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while b"".join(self.chunks).count(pattern) < count:
                if self.closed or time.monotonic() > deadline:
                    raise BenchError("never saw %r: %r" % (
                        pattern, b"".join(self.chunks)[-300:]))
                self.cond.wait(0.1)


def first_line(proc):
    """The first line of proc's stdout, read from the pipe itself (a
    buffered readline() could swallow what follows), and what came after
    it in the same read."""
    fd, data = proc.stdout.fileno(), b""
    deadline = time.monotonic() + TIMEOUT
    while b"\n" not in data:
        r, _, _ = select.select([fd], [], [], max(0, deadline -
                                                  time.monotonic()))
        chunk = os.read(fd, 65536) if r else b""
        if not chunk:
            stop(proc)
            raise BenchError("%s did not start: %r" % (proc.args[0], data))
        data += chunk
    line, rest = data.split(b"\n", 1)
    return line, rest


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def start_uvqq(nick, *args, needle=b'"event":"message"', keep=False):
    proc = subprocess.Popen([UVQQ, "--headless", "--port", "0", "--bind",
                             "127.0.0.1", "--nick", nick] +
                            uvqq_isolation() + list(args),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line, rest = first_line(proc)
    try:
        ev = json.loads(line)
    except ValueError:
        stop(proc)
        raise BenchError("uvqq did not start: %r" % line)
    port = int(ev["addr"].rsplit(":", 1)[1])
    return proc, port, Output(proc, needle, keep, rest)


def start_floor(needle):
    proc = subprocess.Popen([FLOOR, "0"], stdout=subprocess.PIPE)
    line, rest = first_line(proc)
    line = line.split()
    if len(line) != 2 or line[0] != b"ready":
        stop(proc)
        raise BenchError("bench_floor did not start: %r" % line)
    return proc, int(line[1]), Output(proc, needle, initial=rest)


def start_seed(port, peer_port, reads=True):
    """The seed chat on port, sending what it reads to peer_port."""
    proc = subprocess.Popen([PY, SEED, str(port), "127.0.0.1",
                             str(peer_port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE if reads else
                            subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_bound(port)
    return proc, Output(proc, b"<<:", keep=True) if reads else None


def uvqq_pair():
    """bob, then alice talking to bob; both online."""
    b, bport, bout = start_uvqq("bob", keep=True)
    a, aport, aout = start_uvqq("alice", "127.0.0.1:%d" % bport,
                                needle=b'"event":"delivered"', keep=True)
    aout.wait_text(b'"state":"online"')
    return (a, aport, aout), (b, bport, bout)


class Term:
    """A private tmux server with one pane running the full-screen uvqq."""

    def __init__(self, args, cols=120, rows=40):
        if shutil.which("tmux") is None:
            raise BenchError("tmux is not installed")
        self.sock = "uvqq-bench-%d-%s" % (os.getpid(), os.urandom(3).hex())
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.env.pop("TMUX", None)
        self.tmux("start-server", ";", "set-option", "-g",
                  "default-terminal", "tmux-256color", ";", "set-option",
                  "-g", "history-limit", "0", ";",
                  "new-session", "-d", "-x", str(cols), "-y", str(rows),
                  "-e", "LANG=C.UTF-8", "-e", "LC_ALL=C.UTF-8",
                  "exec " + " ".join([UVQQ] + uvqq_isolation() +
                                     list(args)))
        self.pid = int(self.tmux("display-message", "-p", "#{pane_pid}"))
        self.server = int(self.tmux("display-message", "-p", "#{pid}"))

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                           list(args), env=self.env, capture_output=True,
                           timeout=TIMEOUT)
        if r.returncode != 0:
            raise BenchError("tmux %s: %s" % (args[0], r.stderr.decode()))
        return r.stdout.decode("utf-8", "replace").rstrip("\n")

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def wait_screen(self, what, timeout=TIMEOUT, every=0.01):
        """Poll the pane until what is on it; the time it was seen."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if what in s:
                return time.monotonic(), s
            if time.monotonic() > deadline:
                raise BenchError("never on screen: %r; screen:\n%s"
                                 % (what, s))
            time.sleep(every)

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null",
                        "kill-server"], capture_output=True, env=self.env)


# --- figures -----------------------------------------------------------------

def blast(port, count, tag, src=None):
    args = [BLAST, str(port), str(count), tag]
    if src is not None:
        args.append(str(src))
    out = subprocess.run(args, capture_output=True, timeout=300)
    fields = out.stdout.split()
    if out.returncode != 0 or len(fields) != 3 or int(fields[1]) != count:
        raise BenchError("bench_blast: %r %r" % (out.stdout, out.stderr))
    return float(fields[2])


def ingest(kind, n, quiet):
    """n bare datagrams blasted at one receiver; counted on its output."""
    if kind == "uvqq":
        proc, port, out = start_uvqq("bench", "--rate-limit", "0")
    elif kind == "floor":
        proc, port, out = start_floor(b" ing ")
    else:
        port = free_port()
        proc, out = start_seed(port, free_port())
    try:
        wait_bound(port)
        cpu0, drops0 = cpu_seconds(proc.pid), udp_socket(port)[1]
        t0 = time.monotonic()
        send_s = blast(port, n, "ing")
        cpu = cpu_when_counted(proc.pid, out, quiet) - cpu0
        drops = udp_socket(port)[1] - drops0
        got = out.count
        secs = (out.last - t0) if out.last is not None else float("nan")
        cpu_all = cpu_settled([proc.pid])[0] - cpu0
        return dict(kind=kind, sent=n, received=got, lost=n - got,
                    kernel_drops=drops, secs=secs, send_secs=send_s,
                    rate=got / secs if got else 0.0, cpu=cpu,
                    us_per_msg=cpu / got * 1e6 if got else float("nan"),
                    cpu_all=cpu_all,
                    us_all=cpu_all / got * 1e6 if got else float("nan"))
    finally:
        stop(proc)


def drain(kind, n, burst):
    """The receiver's own capacity, with the sender out of its way: while
    it is stopped (SIGSTOP), burst datagrams fill its socket buffer; it is
    let go (SIGCONT) and timed until the last of them is on its output.
    n in all; time and CPU are summed over the drains only."""
    if kind == "uvqq":
        proc, port, out = start_uvqq("bench", "--rate-limit", "0")
    else:
        proc, port, out = start_floor(b" drain ")
    try:
        wait_bound(port)
        secs = cpu = 0.0
        done = drops = 0
        while done < n:
            k = min(burst, n - done)
            os.kill(proc.pid, signal.SIGSTOP)
            drops0 = udp_socket(port)[1]
            blast(port, k, "drain")
            drops += udp_socket(port)[1] - drops0
            c0, t0 = cpu_seconds(proc.pid), time.monotonic()
            os.kill(proc.pid, signal.SIGCONT)
            done += k
            if out.wait_count(done - drops, timeout=STALL) < done - drops:
                raise BenchError("%s did not drain its socket" % kind)
            secs += out.last - t0
            cpu += cpu_seconds(proc.pid) - c0
        return dict(kind=kind, sent=n, received=out.count, lost=drops,
                    secs=secs, rate=out.count / secs, cpu=cpu,
                    us_per_msg=cpu / out.count * 1e6)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        stop(proc)


def screen_ingest(n, echoes):
    """The same blast into the full-screen uvqq in tmux: counted by the
    kernel (sent minus the socket's drops), checked against /stats, and
    timed until a marker sent after the blast is on the screen."""
    port, src = free_port(), free_port()
    term = Term(["--port", str(port), "--bind", "127.0.0.1", "--nick",
                 "bench", "--rate-limit", "0"])
    try:
        wait_bound(port)
        term.wait_screen("[bench@")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", src))
        s.sendto("warm 你好".encode(), ("127.0.0.1", port))
        s.close()
        # Show the blaster's conversation, as a person reading it would.
        term.tmux("send-keys", "-l", "/peer 127.0.0.1:%d" % src)
        term.tmux("send-keys", "Enter")
        term.wait_screen("talking to 127.0.0.1:%d" % src)
        cpu0, tcpu0 = cpu_seconds(term.pid), cpu_seconds(term.server)
        drops0 = udp_socket(port)[1]
        t0 = time.monotonic()
        blaster = subprocess.Popen([BLAST, str(port), str(n), "ing",
                                    str(src)], stdout=subprocess.PIPE)
        # Typing during the flood: how long until a key is echoed.
        echo_ms = []
        for i in range(echoes):
            if blaster.poll() is not None:
                break
            word = "typed%d" % i
            t = time.monotonic()
            term.tmux("send-keys", "-l", word)
            seen, _ = term.wait_screen(word, every=0.002)
            echo_ms.append((seen - t) * 1000)
            term.tmux("send-keys", "C-u")
        if blaster.wait(timeout=300) != 0:
            raise BenchError("bench_blast failed")
        # Everything read from the socket, then a marker read after it.
        deadline = time.monotonic() + STALL
        while udp_socket(port)[0] > 0:
            if time.monotonic() > deadline:
                raise BenchError("full-screen uvqq stopped reading")
            time.sleep(0.002)
        drops = udp_socket(port)[1] - drops0
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", src))
        s.sendto(b"end-of-blast", ("127.0.0.1", port))
        s.close()
        t_end, _ = term.wait_screen("end-of-blast", every=0.005)
        cpu = cpu_seconds(term.pid) - cpu0
        tcpu = cpu_seconds(term.server) - tcpu0
        got = n - drops
        term.tmux("send-keys", "-l", "/stats")
        term.tmux("send-keys", "Enter")
        # The blaster's own line, whole (a number and what follows it),
        # not just the first line of /stats: a frame may show part.
        line = re.compile(r"127\.0\.0\.1:%d: datagrams in (\d+)\D" % src)
        deadline = time.monotonic() + TIMEOUT
        while (m := line.search(term.screen())) is None and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        # warm + blast + marker, as uvqq counted them
        stats_in = int(m.group(1)) - 2 if m else None
        secs = t_end - t0
        return dict(kind="screen", sent=n, received=got, lost=drops,
                    kernel_drops=drops, stats_received=stats_in, secs=secs,
                    rate=got / secs, cpu=cpu, tmux_cpu=tcpu,
                    us_per_msg=cpu / got * 1e6 if got else float("nan"),
                    echo_ms=echo_ms, rss_kib=status_kib(term.pid, "VmHWM"))
    finally:
        term.close()


def seed_pair(n, quiet):
    """n lines piped into one seed chat, counted at the other."""
    aport, bport = free_port(), free_port()
    b, bout = start_seed(bport, aport)
    a, _ = start_seed(aport, bport, reads=False)
    try:
        data = "".join("r%07d hello 你好\n" % i for i in range(n)).encode()
        cpu_a, cpu_b = cpu_seconds(a.pid), cpu_seconds(b.pid)
        t0 = time.monotonic()

        # stdin stays open: at its end the seed's sending thread exits,
        # and its CPU time with it from /proc/PID/task.
        def write():
            try:
                a.stdin.write(data)
                a.stdin.flush()
            except BrokenPipeError:
                pass
        w = threading.Thread(target=write)
        w.start()
        bout.wait_count(n, timeout=STALL)
        w.join()
        bout.wait_quiet(quiet)
        got = bout.count
        ca, cb = cpu_settled([a.pid, b.pid])
        cpu_a, cpu_b = ca - cpu_a, cb - cpu_b
        seqs = [int(m) for m in re.findall(rb"<<:r(\d{7}) ", bout.text())]
        inversions = sum(1 for x, y in zip(seqs, seqs[1:]) if y < x)
        secs = bout.last - t0 if bout.last is not None else float("nan")
        return dict(sent=n, received=got, lost=n - got,
                    duplicates=len(seqs) - len(set(seqs)),
                    out_of_order=inversions, secs=secs,
                    rate=got / secs if got else 0.0,
                    cpu_sender=cpu_a, cpu_receiver=cpu_b,
                    us_per_msg_sender=cpu_a / n * 1e6,
                    us_per_msg_receiver=cpu_b / got * 1e6 if got else
                    float("nan"))
    finally:
        stop(a)
        stop(b)


def reliable(n):
    """n lines piped into one headless uvqq, delivered by another."""
    (a, _, aout), (b, _, bout) = uvqq_pair()
    try:
        lines = ["r%07d hello 你好" % i for i in range(n)]
        data = "".join(x + "\n" for x in lines).encode()
        cpu_a, cpu_b = cpu_seconds(a.pid), cpu_seconds(b.pid)
        cpu_a0, cpu_b0 = cpu_a, cpu_b
        base = aout.count
        t0 = time.monotonic()
        w = threading.Thread(target=lambda: (a.stdin.write(data),
                                             a.stdin.flush()))
        w.start()
        got = aout.wait_count(base + n, timeout=STALL) - base
        w.join()
        secs = aout.last - t0
        cpu_a, cpu_b = cpu_seconds(a.pid) - cpu_a, cpu_seconds(b.pid) - cpu_b
        a.stdin.write(b"/stats\n")
        a.stdin.flush()
        aout.wait_text(b"retransmitted")
        stats = re.search(rb"retransmitted (\d+)", aout.text())
        # bob acknowledges once a message is stored, and writes it out in
        # the same loop turn, just after: wait for the last lines too.
        if got == n:
            bout.wait_text(b'"event":"message"', count=n)
        # What bob showed, and what alice was told, exactly.
        shown = [e["text"] for e in map(json.loads, bout.text().splitlines())
                 if e["event"] == "message" and e.get("nick") == "alice"]
        aev = list(map(json.loads, aout.text().splitlines()))
        ids = [e["id"] for e in aev if e["event"] == "delivered"]
        failed = [e for e in aev if e["event"] == "failed"]
        sent_ids = [e["id"] for e in aev if e["event"] == "sent"]
        ca, cb = cpu_settled([a.pid, b.pid])
        ca, cb = ca - cpu_a0, cb - cpu_b0
        return dict(sent=n, delivered=got, shown=len(shown),
                    in_order_exactly_once=shown == lines and
                    sorted(ids) == sorted(sent_ids) and
                    len(set(ids)) == len(ids) == n,
                    failed=len(failed), secs=secs, rate=got / secs,
                    retransmits=int(stats.group(1)) if stats else None,
                    cpu_sender=cpu_a, cpu_receiver=cpu_b,
                    us_per_msg_sender=cpu_a / n * 1e6,
                    us_per_msg_receiver=cpu_b / n * 1e6,
                    us_all_sender=ca / n * 1e6, us_all_receiver=cb / n * 1e6)
    finally:
        stop(a)
        stop(b)


def read_lines_until(fd, buf, want, deadline):
    """Read fd into buf (a bytearray) until want is in it; the time."""
    while want not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BenchError("timed out waiting for %r" % want)
        r, _, _ = select.select([fd], [], [], left)
        if r:
            data = os.read(fd, 65536)
            if not data:
                raise BenchError("closed while waiting for %r" % want)
            buf += data
    t = time.monotonic()
    del buf[:buf.index(want) + len(want)]
    return t


def timed_samples(k, gap, send, wait_for):
    samples = []
    next_t = time.monotonic()
    for i in range(k):
        next_t += gap
        t0 = time.perf_counter()
        send(i)
        samples.append([(t - t0) * 1e6 for t in wait_for(i)])
        pause = next_t - time.monotonic()
        if pause > 0:
            time.sleep(pause)   # pacing the low rate, not waiting on a result
    return samples


def raw_proc(args, **kw):
    return subprocess.Popen(args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, **kw)


def latency_all(k, gap):
    """One message every gap seconds, read in this one thread (a reader
    thread would add its own wake-up to each sample). uvqq: from the line
    written to alice's stdin until bob shows it (one way) and until alice
    reports it delivered. The seed and the floor, one way, the same way."""
    res = {}
    # uvqq: read both stdouts in this thread, no reader threads.
    b = raw_proc([UVQQ, "--headless", "--port", "0", "--bind", "127.0.0.1",
                  "--nick", "bob"] + uvqq_isolation())
    a = None
    try:
        line, _ = first_line(b)
        bport = int(json.loads(line)["addr"].rsplit(":")[-1])
        a = raw_proc([UVQQ, "--headless", "--port", "0", "--bind",
                      "127.0.0.1", "--nick", "alice"] + uvqq_isolation() +
                     ["127.0.0.1:%d" % bport])
        afd, bfd = a.stdout.fileno(), b.stdout.fileno()
        abuf, bbuf = bytearray(), bytearray()
        deadline = time.monotonic() + TIMEOUT
        read_lines_until(afd, abuf, b'"state":"online"', deadline)
        abuf.clear()

        def send(i):
            a.stdin.write(("l%06d 你好\n" % i).encode())
            a.stdin.flush()

        def wait_for(i):
            dl = time.monotonic() + TIMEOUT
            shown = read_lines_until(bfd, bbuf, ("l%06d" % i).encode(), dl)
            done = read_lines_until(afd, abuf,
                                    b'"event":"delivered","peer":"127.0.0.1'
                                    b':%d","id":%d}' % (bport, i + 1), dl)
            return shown, done
        s = timed_samples(k, gap, send, wait_for)
        res["uvqq_oneway"] = [x[0] for x in s]
        res["uvqq_delivered"] = [x[1] for x in s]
    finally:
        stop(a)
        stop(b)

    # The seed: a line into one, shown by the other.
    aport, bport = free_port(), free_port()
    sb = raw_proc([PY, SEED, str(bport), "127.0.0.1", str(aport)])
    sa = None
    try:
        sa = subprocess.Popen([PY, SEED, str(aport), "127.0.0.1",
                               str(bport)], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        wait_bound(aport)
        wait_bound(bport)
        bfd, bbuf = sb.stdout.fileno(), bytearray()

        def send_seed(i):
            sa.stdin.write(("l%06d 你好\n" % i).encode())
            sa.stdin.flush()

        def wait_seed(i):
            return [read_lines_until(bfd, bbuf, ("<<:l%06d" % i).encode(),
                                     time.monotonic() + TIMEOUT)]
        res["seed_oneway"] = [x[0] for x in timed_samples(k, gap, send_seed,
                                                           wait_seed)]
    finally:
        stop(sa)
        stop(sb)

    # The floor: a datagram from here, written out by the floor.
    f = raw_proc([FLOOR, "0"])
    try:
        line, _ = first_line(f)
        fport = int(line.split()[1])
        ffd, fbuf = f.stdout.fileno(), bytearray()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

        def send_floor(i):
            s.sendto(("l%06d 你好" % i).encode(), ("127.0.0.1", fport))

        def wait_floor(i):
            return [read_lines_until(ffd, fbuf, ("l%06d" % i).encode(),
                                     time.monotonic() + TIMEOUT)]
        res["floor_oneway"] = [x[0] for x in timed_samples(k, gap,
                                                            send_floor,
                                                            wait_floor)]
        s.close()
    finally:
        stop(f)

    # The floor there and back, the shape of uvqq's `delivered`: a line
    # into one floor, a datagram to an echoing one and back, a line out.
    fb, fa = raw_proc([FLOOR, "--echo", "0"]), None
    try:
        line, _ = first_line(fb)
        fa = raw_proc([FLOOR, "--to", line.split()[1].decode(), "0"])
        first_line(fa)
        ffd, fbuf = fa.stdout.fileno(), bytearray()

        def send_trip(i):
            fa.stdin.write(("l%06d 你好\n" % i).encode())
            fa.stdin.flush()

        def wait_trip(i):
            return [read_lines_until(ffd, fbuf, ("l%06d" % i).encode(),
                                     time.monotonic() + TIMEOUT)]
        res["floor_roundtrip"] = [x[0] for x in timed_samples(
            k, gap, send_trip, wait_trip)]
    finally:
        stop(fa)
        stop(fb)
    return res


def idle(secs):
    """CPU time and wake-ups of a uvqq with three uvqq peers, of the seed
    chat with its one peer, and of the floor, over secs seconds."""
    res = {}
    peers = []
    subject = None
    try:
        for i in range(3):
            peers.append(start_uvqq("p%d" % i))
        subject, _, sout = start_uvqq(
            "idle", *["127.0.0.1:%d" % p[1] for p in peers],
            needle=b'"state":"online"', keep=True)
        sout.wait_count(3)
        time.sleep(0.5)     # let the handshakes' last datagrams settle
        ps = [subject.pid]
        seed_port, seed_peer = free_port(), free_port()
        seed, _ = start_seed(seed_port, seed_peer, reads=False)
        ps.append(seed.pid)
        floor, _, _ = start_floor(b"\n")
        ps.append(floor.pid)
        try:
            before = [(cpu_seconds(p), context_switches(p)) for p in ps]
            time.sleep(secs)    # measuring idleness: nothing to wait on
            after = [(cpu_seconds(p), context_switches(p)) for p in ps]
        finally:
            stop(seed)
            stop(floor)
        for name, b, a in zip(("uvqq", "seed", "floor"), before, after):
            res[name] = dict(cpu_ms=(a[0] - b[0]) * 1000,
                             wakeups_per_s=(a[1] - b[1]) / secs)
        text = sout.text()
        res["uvqq"]["peers_online"] = text.count(b'"state":"online"')
        res["uvqq"]["peers_offline"] = text.count(b'"state":"offline"')
    finally:
        stop(subject)
        for p in peers:
            stop(p[0])
    return res


def fill(port, n, pid):
    """Send to port until n datagrams were received, keeping at most
    64 KiB waiting in the socket (the seed's whole buffer is 208 KiB), so
    that few or none are dropped; the kernel's drop counter says how many
    were, and they are made up for. Returns (sent, drops)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    drops0 = udp_socket(port)[1]
    sent = drops = 0
    last_progress, last_queue = time.monotonic(), None
    while sent - drops < n:
        queued, d = udp_socket(port)
        drops = d - drops0
        if queued > 64 * 1024:
            if queued != last_queue:
                last_queue, last_progress = queued, time.monotonic()
            elif time.monotonic() - last_progress > STALL:
                raise BenchError("receiver %d stopped reading" % pid)
            time.sleep(0.0002)      # the receiver's pace
            continue
        for _ in range(min(32, n - (sent - drops))):
            s.sendto(b"rss %07d hello, a line of chat text" % sent,
                     ("127.0.0.1", port))
            sent += 1
        if sent - drops >= n:       # the last ones may yet be dropped
            while udp_socket(port)[0] > 0:
                time.sleep(0.002)
            drops = udp_socket(port)[1] - drops0
    s.close()
    return sent, drops


def rss(n, screen):
    """Peak RSS (VmHWM) once n messages were received."""
    res = {}
    for kind in ("uvqq", "floor", "seed") + (("screen",) if screen else ()):
        proc = term = None
        try:
            if kind == "uvqq":
                proc, port, out = start_uvqq("bench", "--rate-limit", "0")
            elif kind == "floor":
                proc, port, out = start_floor(b" rss ")
            elif kind == "seed":
                port = free_port()
                proc, out = start_seed(port, free_port())
                out.keep = False
            else:
                port = free_port()
                term = Term(["--port", str(port), "--bind", "127.0.0.1",
                             "--nick", "bench", "--rate-limit", "0"])
                wait_bound(port)
                term.wait_screen("[bench@")
                out = None
            pid = proc.pid if proc else term.pid
            t0 = time.monotonic()
            sent, drops = fill(port, n, pid)
            got = sent - drops
            if out is not None:
                got = out.wait_count(sent - drops, timeout=STALL)
            res[kind] = dict(received=got, sent=sent, drops=drops,
                             secs=time.monotonic() - t0,
                             vmhwm_kib=status_kib(pid, "VmHWM"),
                             vmrss_kib=status_kib(pid, "VmRSS"))
        finally:
            stop(proc)
            if term:
                term.close()
    return res


# --- the run -----------------------------------------------------------------

def median_run(runs, key="rate"):
    return sorted(runs, key=lambda r: r[key])[len(runs) // 2]


def round_ratio(xs, ys, key="rate"):
    """The median over rounds of x/y, each pair measured side by side in
    one round: what holds when the machine's speed drifts between rounds."""
    return statistics.median(x[key] / y[key] for x, y in zip(xs, ys))


def run_all(sz, log):
    r = {}
    ing = {"uvqq": [], "floor": [], "seed": []}
    drn = {"uvqq": [], "floor": []}
    scr, pair, rel = [], [], []
    for i in range(sz["rounds"]):
        log("round %d of %d: plain ingest" % (i + 1, sz["rounds"]))
        for kind in ("floor", "uvqq", "seed"):
            ing[kind].append(ingest(kind, sz["ingest"], sz["quiet"]))
            log("  %s: %s" % (kind, brief(ing[kind][-1])))
        log("round %d: drain a full socket buffer" % (i + 1))
        for kind in ("floor", "uvqq"):
            drn[kind].append(drain(kind, sz["drain"], sz["burst"]))
            log("  %s: %s" % (kind, brief(drn[kind][-1])))
        log("round %d: full-screen ingest" % (i + 1))
        scr.append(screen_ingest(sz["screen"], sz["echo"]))
        log("  screen: %s" % brief(scr[-1]))
        log("round %d: seed pair" % (i + 1))
        pair.append(seed_pair(sz["pair"], sz["quiet"]))
        log("  %s" % brief(pair[-1]))
        log("round %d: reliable pair" % (i + 1))
        rel.append(reliable(sz["reliable"]))
        log("  %s" % brief(rel[-1]))
    r["ingest"] = {k: median_run(v) for k, v in ing.items()}
    r["ingest_runs"] = ing
    r["drain"] = {k: median_run(v) for k, v in drn.items()}
    r["drain_runs"] = drn
    r["screen"] = median_run(scr)
    r["screen_runs"] = scr
    r["seed_pair"] = median_run(pair)
    r["seed_pair_runs"] = pair
    r["reliable"] = median_run(rel)
    r["reliable_runs"] = rel
    log("latency: %d messages, one every %g ms" % (sz["latency"],
                                                    sz["latency_gap"] * 1e3))
    lat = latency_all(sz["latency"], sz["latency_gap"])
    r["latency"] = {k: dict(p50=percentile(v, 50), p99=percentile(v, 99),
                            n=len(v)) for k, v in lat.items()}
    # The same at a higher rate: how much is the machine waking from idle.
    log("latency: %d messages, one every %g ms" % (sz["latency"],
                                                    sz["latency_fast"] * 1e3))
    lat = latency_all(sz["latency"], sz["latency_fast"])
    r["latency_fast"] = {k: dict(p50=percentile(v, 50),
                                 p99=percentile(v, 99), n=len(v))
                         for k, v in lat.items()}
    log("idle: %g s" % sz["idle"])
    r["idle"] = idle(sz["idle"])
    log("peak RSS after %d messages" % sz["rss"])
    r["rss"] = rss(sz["rss"], screen=True)
    return r


def brief(d):
    keep = ("received", "delivered", "lost", "rate", "us_per_msg", "us_all",
            "us_all_sender", "us_all_receiver", "secs",
            "in_order_exactly_once", "echo_ms")
    return ", ".join("%s=%s" % (k, fmt(d[k])) for k in keep if k in d)


def fmt(v):
    if isinstance(v, float):
        return "%.3g" % v if abs(v) < 100 else "{:,.0f}".format(v)
    if isinstance(v, list):
        return "[" + " ".join(fmt(x) for x in v) + "]"
    return str(v)


def n_(v):
    return "{:,.0f}".format(v)


def table(r, sz):
    """Rows of (figure, uvqq, peer, floor, ratio, target, verdict)."""
    rows = []
    iu, isd, ifl = r["ingest"]["uvqq"], r["ingest"]["seed"], \
        r["ingest"]["floor"]

    def loss(d):
        return "%.1f%% lost" % (100.0 * d["lost"] / d["sent"])
    ir = r["ingest_runs"]
    # The headline (issue 16): what a message costs the receiver, all of
    # it, side by side with the floor and the seed in the same round.
    cp = round_ratio(ir["uvqq"], ir["seed"], "us_all")
    cf = round_ratio(ir["uvqq"], ir["floor"], "us_all")
    rows.append(("plain ingest, %s datagrams: receiver CPU per message "
                 "shown, us (until idle: uvqq's search index and checkpoint included)"
                 % n_(sz["ingest"]),
                 "%.2f" % iu["us_all"], "%.2f" % isd["us_all"],
                 "%.2f" % ifl["us_all"],
                 "%.2fx peer, %.2fx floor" % (cp, cf),
                 "<= 0.5x peer, <= 1.5x floor (16)",
                 cp <= 0.5 and cf <= 1.5))
    rows.append(("  of which while taking them (before the checkpoint)",
                 "%.2f" % iu["us_per_msg"], "%.2f" % isd["us_per_msg"],
                 "%.2f" % ifl["us_per_msg"],
                 "%.2fx peer, %.2fx floor" % (
                     round_ratio(ir["uvqq"], ir["seed"], "us_per_msg"),
                     round_ratio(ir["uvqq"], ir["floor"], "us_per_msg")),
                 "", None))
    rp = round_ratio(ir["uvqq"], ir["seed"])
    rf = round_ratio(ir["uvqq"], ir["floor"])
    rows.append(("  msg/s (lost)",
                 "%s (%s)" % (n_(iu["rate"]), loss(iu)),
                 "%s (%s)" % (n_(isd["rate"]), loss(isd)),
                 "%s (%s)" % (n_(ifl["rate"]), loss(ifl)),
                 "%.2fx peer, %.2fx floor" % (rp, rf),
                 ">= 2x peer, >= 0.5x floor (7)",
                 rp >= 2 and rf >= 0.5))
    du, dfl = r["drain"]["uvqq"], r["drain"]["floor"]
    dr = round_ratio(r["drain_runs"]["uvqq"], r["drain_runs"]["floor"])
    rows.append(("receiver capacity: drain %s queued datagrams, msg/s "
                 "(CPU us/msg)" % n_(sz["drain"]),
                 "%s (%.2f)" % (n_(du["rate"]), du["us_per_msg"]), "-",
                 "%s (%.2f)" % (n_(dfl["rate"]), dfl["us_per_msg"]),
                 "%.2fx floor" % dr, ">= 0.5x floor", dr >= 0.5))
    sp, rl = r["seed_pair"], r["reliable"]
    rr = round_ratio(r["reliable_runs"], r["seed_pair_runs"])
    rows.append(("pair, %s lines piped in: msg/s at the other end"
                 % n_(sz["pair"]),
                 "%s (reliable: %s lost, %s)" % (
                     n_(rl["rate"]), n_(rl["sent"] - rl["shown"]),
                     "exactly once, in order" if rl["in_order_exactly_once"]
                     else "NOT exactly once in order"),
                 "%s (%s lost, %s reordered)" % (
                     n_(sp["rate"]), n_(sp["lost"]), n_(sp["out_of_order"])),
                 "-", "%.2fx peer" % rr,
                 "all, exactly once, >= 1.2x peer (16)",
                 all(x["in_order_exactly_once"] for x in r["reliable_runs"])
                 and rr >= 1.2))
    rows.append(("  CPU per message, us (sender + receiver, until idle)",
                 "%.2f + %.2f" % (rl["us_all_sender"],
                                  rl["us_all_receiver"]),
                 "%.2f + %.2f" % (sp["us_per_msg_sender"],
                                  sp["us_per_msg_receiver"]),
                 "", "%.2fx peer" % round_ratio(
                     [dict(c=x["us_all_sender"] + x["us_all_receiver"])
                      for x in r["reliable_runs"]],
                     [dict(c=x["us_per_msg_sender"] +
                           x["us_per_msg_receiver"])
                      for x in r["seed_pair_runs"]], "c"), "", None))
    la = r["latency"]
    for p, lim in (("p50", 1.5), ("p99", 2.0)):
        rows.append(("latency %s at %.0f msg/s, us: message -> delivered "
                     "(uvqq; floor: there and back), one way (seed, floor)"
                     % (p, 1 / sz["latency_gap"]),
                     "%.0f (one way %.0f)" % (la["uvqq_delivered"][p],
                                               la["uvqq_oneway"][p]),
                     "%.0f" % la["seed_oneway"][p],
                     "%.0f (one way %.0f)" % (la["floor_roundtrip"][p],
                                               la["floor_oneway"][p]),
                     "%.2fx floor there and back" % (
                         la["uvqq_delivered"][p] / la["floor_roundtrip"][p]),
                     "<= %gx floor there and back (16)" % lim,
                     la["uvqq_delivered"][p] <=
                     lim * la["floor_roundtrip"][p]))
    lf = r["latency_fast"]
    rows.append(("  the same at %.0f msg/s: p50 / p99, us"
                 % (1 / sz["latency_fast"]),
                 "%.0f / %.0f (one way %.0f / %.0f)" % (
                     lf["uvqq_delivered"]["p50"], lf["uvqq_delivered"]["p99"],
                     lf["uvqq_oneway"]["p50"], lf["uvqq_oneway"]["p99"]),
                 "%.0f / %.0f" % (lf["seed_oneway"]["p50"],
                                  lf["seed_oneway"]["p99"]),
                 "%.0f / %.0f (one way %.0f / %.0f)" % (
                     lf["floor_roundtrip"]["p50"],
                     lf["floor_roundtrip"]["p99"],
                     lf["floor_oneway"]["p50"], lf["floor_oneway"]["p99"]),
                 "%.2fx floor there and back (p50)" % (
                     lf["uvqq_delivered"]["p50"] /
                     lf["floor_roundtrip"]["p50"]),
                 "", None))
    idl = r["idle"]
    rows.append(("idle %g s, 3 peers (seed: 1): CPU ms/s" % sz["idle"],
                 "%.3f" % (idl["uvqq"]["cpu_ms"] / sz["idle"]),
                 "%.3f" % (idl["seed"]["cpu_ms"] / sz["idle"]),
                 "%.3f" % (idl["floor"]["cpu_ms"] / sz["idle"]),
                 "", "heartbeats only (< 1 ms/s)",
                 idl["uvqq"]["cpu_ms"] / sz["idle"] < 1.0))
    rows.append(("idle: wake-ups/s", "%.1f" % idl["uvqq"]["wakeups_per_s"],
                 "%.1f" % idl["seed"]["wakeups_per_s"],
                 "%.1f" % idl["floor"]["wakeups_per_s"], "",
                 "a few (<= 5)", idl["uvqq"]["wakeups_per_s"] <= 5))
    rs = r["rss"]
    mib = lambda k: rs[k]["vmhwm_kib"] / 1024.0  # noqa: E731
    rows.append(("peak RSS after %s messages, MiB (headless)" % n_(sz["rss"]),
                 "%.1f" % mib("uvqq"), "%.1f" % mib("seed"),
                 "%.1f" % mib("floor"),
                 "%.2fx peer" % (mib("uvqq") / mib("seed")),
                 "<= 16 MiB", mib("uvqq") <= 16))
    rows.append(("peak RSS after %s messages, MiB (full-screen)"
                 % n_(sz["rss"]), "%.1f" % mib("screen"), "", "", "",
                 "<= 16 MiB", mib("screen") <= 16))
    sc = r["screen"]
    rh = round_ratio(r["screen_runs"], ir["uvqq"])
    rows.append(("full-screen ingest (tmux 120x40): msg/s",
                 "%s (%s)" % (n_(sc["rate"]), loss(sc)), "", "",
                 "%.2fx headless" % rh, ">= 0.5x headless", rh >= 0.5))
    rows.append(("  full-screen CPU per message, us (+ tmux)",
                 "%.2f (+ %.2f)" % (sc["us_per_msg"],
                                    sc["tmux_cpu"] / sc["received"] * 1e6),
                 "", "", "%.2fx headless cost" % round_ratio(
                     r["screen_runs"], ir["uvqq"], "us_per_msg"), "",
                 None))
    rows.append(("  typing echoed during the flood, ms (max)",
                 "%.0f" % max(sc["echo_ms"]) if sc["echo_ms"] else "-",
                 "", "", "", "promptly (< 100 ms)",
                 bool(sc["echo_ms"]) and max(sc["echo_ms"]) < 100))
    return rows


def print_table(rows, out=sys.stdout):
    head = ("figure", "uvqq", "peer (seed)", "floor", "ratio", "target", "")
    cells = [head] + [r[:6] + ({True: "met", False: "MISSED",
                                None: ""}[r[6]],) for r in rows]
    out.write("| " + " | ".join(head) + " |\n")
    out.write("|" + "|".join(["---"] * len(head)) + "|\n")
    for c in cells[1:]:
        out.write("| " + " | ".join(c) + " |\n")


def sane(r, sz):
    """What --quick checks: every figure produced and plausible."""
    checks = []

    def check(name, ok, detail=""):
        checks.append((name, bool(ok), detail))
    for kind, d in r["ingest"].items():
        check("ingest %s received datagrams" % kind,
              0 < d["received"] <= d["sent"] and d["rate"] > 0, brief(d))
        check("ingest %s: output count agrees with the kernel's drops"
              % kind, d["received"] + d["kernel_drops"] >= d["sent"] - 2 and
              d["received"] <= d["sent"] - d["kernel_drops"] + 2,
              "received %d, dropped by the kernel %d, sent %d" % (
                  d["received"], d["kernel_drops"], d["sent"]))
        check("ingest %s: CPU per message measured, until idle >= while "
              "taking" % kind, 0 < d["us_per_msg"] <= d["us_all"], brief(d))
    for kind, d in r["drain"].items():
        check("drain %s: every queued datagram read" % kind,
              d["received"] == d["sent"] - d["lost"] and d["lost"] == 0 and
              d["rate"] > 0, brief(d))
    sc = r["screen"]
    check("full-screen ingest counted", 0 < sc["received"] <= sc["sent"],
          brief(sc))
    check("full-screen count matches /stats",
          sc["stats_received"] == sc["received"],
          "kernel %s, /stats %s" % (sc["received"], sc["stats_received"]))
    check("typing echoed during the flood", len(sc["echo_ms"]) > 0 or
          sc["secs"] < 0.1, str(sc["echo_ms"]))
    sp = r["seed_pair"]
    check("seed pair counted", 0 < sp["received"] <= sp["sent"] and
          sp["us_per_msg_sender"] > 0 and sp["us_per_msg_receiver"] > 0,
          brief(sp))
    rl = r["reliable"]
    check("reliable: all delivered exactly once, in order",
          rl["delivered"] == rl["sent"] and rl["in_order_exactly_once"] and
          rl["failed"] == 0, brief(rl))
    check("reliable: CPU per message measured, until idle >= while busy",
          0 < rl["us_per_msg_sender"] <= rl["us_all_sender"] and
          0 < rl["us_per_msg_receiver"] <= rl["us_all_receiver"], brief(rl))
    for k, v in r["latency"].items():
        check("latency %s sampled" % k, v["n"] == sz["latency"] and
              0 < v["p50"] <= v["p99"], "%r" % v)
        # Not a speed target: a message that waits for a timer (or a
        # heartbeat) instead of going out in its own loop turn takes
        # tens or hundreds of milliseconds.
        check("latency %s: nothing waits for a timer" % k,
              v["p50"] < 20000, "p50 %s us" % v["p50"])
    idl = r["idle"]
    check("idle: three peers online, none lost",
          idl["uvqq"]["peers_online"] >= 3 and
          idl["uvqq"]["peers_offline"] == 0, "%r" % idl["uvqq"])
    check("idle: figures measured", all(
        v["cpu_ms"] >= 0 and v["wakeups_per_s"] >= 0 for k, v in
        idl.items()), "%r" % idl)
    for k, v in r["rss"].items():
        check("rss %s after %d messages" % (k, sz["rss"]),
              v["received"] >= sz["rss"] and v["vmhwm_kib"] > 0,
              "%r" % v)
    return checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="everything scaled down; checks the harness works")
    ap.add_argument("--rounds", type=int, help="rounds of the throughput "
                    "figures (median taken); 3 in the full run")
    ap.add_argument("--json", help="also write every raw figure here")
    ap.add_argument("--no-history", action="store_true",
                    help="run uvqq with --no-history (default: as shipped, "
                    "keeping history in a scratch data directory)")
    args = ap.parse_args()
    global NO_HISTORY
    NO_HISTORY = args.no_history
    sz = dict(QUICK if args.quick else FULL)
    if args.rounds:
        sz["rounds"] = args.rounds
    for path, what in ((UVQQ, "UVQQ"), (FLOOR, "BENCH_FLOOR"),
                       (BLAST, "BENCH_BLAST")):
        if not os.access(path, os.X_OK):
            sys.exit("bench.py: %s not found (build it, or set %s)"
                     % (path, what))

    def log(s):
        print("# " + s, flush=True)
    start = time.monotonic()
    try:
        r = run_all(sz, log)
    finally:
        for d in _TMP:
            shutil.rmtree(d, ignore_errors=True)
    r["sizes"] = sz
    r["uvqq_history"] = "off" if NO_HISTORY else "on"
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    print()
    print_table(table(r, sz))
    print("\n(%.0f s. Plain ingest runs uvqq with --rate-limit 0; history "
          "%s. Figures are the median run of %d rounds; ratios the median "
          "of the rounds' ratios.)" % (time.monotonic() - start,
                                       r["uvqq_history"], sz["rounds"]))
    if args.quick:
        checks = sane(r, sz)
        for name, ok, detail in checks:
            print("%s %s%s" % ("ok  " if ok else "FAIL", name,
                               "" if ok else ": " + detail))
        bad = sum(1 for c in checks if not c[1])
        print("%d passed, %d failed" % (len(checks) - bad, bad))
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
