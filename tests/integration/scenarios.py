"""scenarios.py: the shapes of issue 11 (sections 1 and 2) as functions
that run once and return their figures, with no asserts, so that the
tests (test_robust_loss.py) and the soak tool (tests/bench/soak.py) judge
the same runs.

    first_contact(seed)       A adds B through a lossy relay; B never adds A
    first_contacts(n, seeds)  many of those side by side
    crash_through_loss(seed)  the same contact, then a burst during which
                              B is killed with SIGKILL and restarted

Every wait has a deadline; every process, relay and directory made here is
gone when a function returns, whatever happened.
"""
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, Uvqq, free_port  # noqa: E402
from relay import Relay  # noqa: E402

WINDOW = 5.0     # seconds from A's ready to uvqq<->uvqq on both sides
HISTORY_MAX = 10000   # the most lines /history gives
CHUNK_WAIT = 2.0      # how long a typed chunk may wait for B to show it
GRACE = 1.0      # read this much longer, so a late reader is not a late peer


class TimedUvqq(Uvqq):
    """A Uvqq whose events carry "_t", the monotonic time the line was
    read, so a deadline is judged by when uvqq spoke, not by when a busy
    test thread got round to looking. If it does not start, its process
    is not left behind."""

    def __init__(self, *args, **kw):
        try:
            super().__init__(*args, **kw)
        except BaseException:
            proc = getattr(self, "proc", None)
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
            raise

    def _read(self):
        for line in self.proc.stdout:
            t = time.monotonic()
            try:
                ev = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                ev = {"event": "BADLINE", "line": repr(line), "why": str(e)}
            ev["_t"] = t
            self.events.put(ev)
        self.events.put(None)

    def stop(self):
        """SIGKILL, and wait until everything it wrote has been read."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(timeout=10)
        self.drain()


def _start_behind_relay(b_port, data_dir, seed, drop, dup, delay_ms,
                        extra=(), tries=5):
    """A relay towards B and uvqq A (alice) with the relay as its PEER.
    A's port must be known to the relay before A binds it; if another
    process takes it in between, both are made again, same seed."""
    for i in range(tries):
        pa = free_port()
        relay = Relay(pa, b_port, drop=drop, dup=dup, delay_ms=delay_ms,
                      seed=seed)
        try:
            a = TimedUvqq(*(list(extra) + ["127.0.0.1:%d" % relay.a_port]),
                          nick="alice", port=pa, data_dir=data_dir)
            return a, relay
        except TestFailure as e:
            relay.close()
            if "cannot bind" not in str(e) or i == tries - 1:
                raise
    raise AssertionError("unreachable")


def _peer_events(u, addr):
    return [e for e in u.seen if e["event"] == "peer" and e["peer"] == addr]


def _first_online(u, addr, until):
    """The time u first said addr is an online uvqq peer, reading until
    the monotonic time `until` at most; None if it did not."""
    u.drain()          # so a wait with no time left still sees them
    try:
        ev = u.wait("peer", timeout=max(0.0, until - time.monotonic()),
                    peer=addr, state="online", kind="uvqq")
        return ev["_t"]
    except TestFailure:
        return None


def _last(u, addr):
    evs = _peer_events(u, addr)
    if not evs:
        return "never heard"
    return "%s %s" % (evs[-1]["state"], evs[-1]["kind"])


def first_contact(seed, drop=0.3, dup=0.0, delay_ms=0.0, window=WINDOW):
    """B (bob) starts, then a relay dropping `drop` each way, then A
    (alice) with the relay as its PEER: a one-sided first contact. ok when,
    within `window` s of A's ready, A has B (at the relay's A side) online
    as uvqq and B has A (at the relay's B side) online as uvqq."""
    root = tempfile.mkdtemp(prefix="uvqq-contact-")
    a = b = relay = None
    res = dict(seed=seed, ok=False, seconds=None, plain=False,
               a_seconds=None, b_seconds=None, a_last=None, b_last=None,
               relay=None, exited=[], error=None)
    try:
        b = TimedUvqq(nick="bob", data_dir=os.path.join(root, "b"))
        a, relay = _start_behind_relay(b.port, os.path.join(root, "a"),
                                       seed, drop, dup, delay_ms)
        t0 = a.seen[0]["_t"]                 # the ready event
        b_at_a = "127.0.0.1:%d" % relay.a_port
        a_at_b = "127.0.0.1:%d" % relay.b_port
        until = t0 + window + GRACE
        ta = _first_online(a, b_at_a, until)
        tb = _first_online(b, a_at_b, until)
        a.drain()
        b.drain()
        # B may be read to speak before A's ready is: that is 0 s.
        res["a_seconds"] = None if ta is None else max(0.0, ta - t0)
        res["b_seconds"] = None if tb is None else max(0.0, tb - t0)
        if ta is not None and tb is not None:
            res["seconds"] = max(res["a_seconds"], res["b_seconds"])
            res["ok"] = res["seconds"] <= window
        res["plain"] = any(e["kind"] == "plain" for e in
                           _peer_events(a, b_at_a) + _peer_events(b, a_at_b))
        res["a_last"] = _last(a, b_at_a)
        res["b_last"] = _last(b, a_at_b)
        res["relay"] = dict(relay.stats)
        res["exited"] = ["%s (%d)" % (name, u.proc.poll()) for name, u in
                         (("A", a), ("B", b)) if u.proc.poll() is not None]
    except TestFailure as e:
        res["error"] = str(e)
    finally:
        for u in (a, b):
            if u is not None:
                u.kill()
        if relay is not None:
            relay.close()
        shutil.rmtree(root, ignore_errors=True)
    return res


def first_contacts(n, seeds, parallel=20, drop=0.3, **kw):
    """n first contacts, at most `parallel` at a time (each is two uvqq
    and a relay thread). seeds: a sequence (the first n are used) or an
    int, the first of n consecutive seeds. Returns the success count, the
    failures' seeds and every contact's figures."""
    if isinstance(seeds, int):
        seeds = range(seeds, seeds + n)
    seeds = list(seeds)[:n]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as ex:
        results = list(ex.map(lambda s: first_contact(s, drop=drop, **kw),
                              seeds))
    secs = sorted(r["seconds"] for r in results if r["ok"])
    return dict(
        n=len(results), ok=sum(r["ok"] for r in results),
        failed_seeds=[r["seed"] for r in results if not r["ok"]],
        plain=sum(r["plain"] for r in results),
        errors=[(r["seed"], r["error"]) for r in results if r["error"]],
        median=secs[len(secs) // 2] if secs else None,
        slowest=secs[-1] if secs else None,
        wall=time.monotonic() - start, results=results)


class _Scan:
    """Reads the events of a process's seen list once each, in order."""

    def __init__(self, u, fn):
        self.u, self.fn, self.i = u, fn, 0

    def __call__(self):
        seen = self.u.seen
        while self.i < len(seen):
            self.fn(seen[self.i])
            self.i += 1


def _pump(u, done, until):
    """Read u's events until done() or the monotonic time `until`."""
    while not done():
        left = until - time.monotonic()
        if left <= 0:
            return False
        try:
            u.wait_any(timeout=left)
        except TestFailure:          # no event in time, or it exited
            return done()
    return True


def _answer(u, line, timeout=30.0):
    """The events u writes for a command, up to the info line of the
    /nick sent after it."""
    u.send(line)
    u.send("/nick")
    got = []
    until = time.monotonic() + timeout
    while True:
        ev = u.wait_any(timeout=max(0.01, until - time.monotonic()))
        if ev["event"] == "info" and ev["text"].startswith("your nick is"):
            return got
        got.append(ev)


def text_of(i):
    """The i-th message: unique, Chinese and English in turn."""
    return ("m%05d 消息，你好" if i % 2 == 0 else "m%05d hello, message") % i


def crash_through_loss(seed, n=2000, kill_at=0.25, drop=0.3, dup=0.05,
                       delay_ms=20.0, deadline=None):
    """Issue 11 section 2. B (bob, history on) starts; A (alice) gets, as
    its PEER, a relay that drops `drop` each way and, like test_lossy's,
    duplicates 5% and delays up to 20 ms (so reorders): B never adds A.
    A types the n messages in chunks paced by what B shows. When B has
    shown kill_at*n of them live, B is killed with SIGKILL and started
    again on the same port and data directory. Then A's `delivered` is
    awaited for every `sent` id, until `deadline` s (default 60 s for 2000
    messages, at least 20) after the restart, and both sides are counted:
    at B what was shown live (both runs) and what is stored (`/history`),
    at A what was sent, delivered and failed."""
    if deadline is None:
        deadline = max(20.0, 0.03 * n)
    texts = [text_of(i) for i in range(n)]
    index = {t: i for i, t in enumerate(texts)}
    root = tempfile.mkdtemp(prefix="uvqq-crash-")
    da, db = os.path.join(root, "a"), os.path.join(root, "b")
    runs_b, a, relay = [], None, None
    res = dict(seed=seed, n=n, kill_at=kill_at, drop=drop, error=None)
    try:
        b = TimedUvqq(nick="bob", data_dir=db)
        runs_b.append(b)
        pb = b.port
        a, relay = _start_behind_relay(pb, da, seed, drop, dup, delay_ms)
        b_at_a = "127.0.0.1:%d" % relay.a_port
        a_at_b = "127.0.0.1:%d" % relay.b_port
        t0 = a.seen[0]["_t"]

        # B's live messages, both runs, in the order shown.
        live = []

        def on_b(ev):
            if ev["event"] == "message" and not ev.get("history") and \
                    ev["peer"] == a_at_b:
                live.append(ev)
        scan_b = _Scan(b, on_b)

        def shown():
            scan_b()
            return len(live)

        # A types in chunks, each once B has shown all but the last chunk
        # (at most CHUNK_WAIT s), so the kill lands in the middle of the
        # stream, not after a burst that is all over. Bare text is lost
        # for good, so once B shows some, any progress will do.
        k = max(1, min(n, int(round(kill_at * n))))
        c = max(1, n // 20)
        typed = 0
        until = time.monotonic() + deadline
        while typed < n and shown() < k:
            base = shown()
            for t in texts[typed:typed + c]:
                a.send(t)
            typed = min(n, typed + c)
            _pump(b, lambda: shown() >= min(k, typed - c) or (
                  live and live[-1].get("kind") == "plain" and
                  shown() - base >= (c + 1) // 2),
                  min(until, time.monotonic() + CHUNK_WAIT))
        res["kill_reached"] = _pump(b, lambda: shown() >= k, until)
        res["typed_at_kill"] = typed
        b.stop()
        res["shown_at_kill"] = shown()

        b = TimedUvqq(nick="bob", data_dir=db, port=pb)
        runs_b.append(b)
        scan_b = _Scan(b, on_b)
        for t in texts[typed:]:
            a.send(t)

        sent, delivered, failed, waiting, dset = {}, [], [], set(), set()

        def on_a(ev):
            if ev.get("peer") != b_at_a:
                return
            if ev["event"] == "sent":
                sent[ev["id"]] = ev["text"]
                if ev["id"] not in dset:
                    waiting.add(ev["id"])
            elif ev["event"] == "delivered":
                delivered.append(ev["id"])
                dset.add(ev["id"])
                waiting.discard(ev["id"])
            elif ev["event"] == "failed":
                failed.append(ev)
        scan_a = _Scan(a, on_a)
        res["all_delivered"] = _pump(
            a, lambda: (scan_a(), len(sent) >= n and not waiting)[1],
            time.monotonic() + deadline)
        res["seconds"] = time.monotonic() - t0

        # What B stored: its /history with A. /peer selects (or adds) A.
        b.send("/peer %s" % a_at_b)
        b.wait("current", peer=a_at_b)
        answer = _answer(b, "/history %d" % HISTORY_MAX)
        stored = [e["text"] for e in answer
                  if e["event"] == "message" and e.get("history") and
                  not e.get("outgoing") and e["peer"] == a_at_b]
        bad = [e["text"] for e in answer if e["event"] == "error"]
        if bad or len(stored) >= HISTORY_MAX:
            raise TestFailure("/history at B: %r, %d rows" %
                              (bad, len(stored)))
        scan_b()
        a.drain()
        scan_a()

        a_exit = a.proc.poll()
        shown_texts = [e["text"] for e in live]
        counts = {}
        for t in shown_texts:
            counts[t] = counts.get(t, 0) + 1
        scounts = {}
        for t in stored:
            scounts[t] = scounts.get(t, 0) + 1
        order_broken, top = 0, -1
        for t in dict.fromkeys(shown_texts):   # first showings, in order
            i = index.get(t, -1)
            if 0 <= i < top:
                order_broken += 1
            top = max(top, i)
        res.update(
            typed=n,
            sent=len(sent),
            delivered=len(set(delivered) & set(sent)),
            delivered_twice=len(delivered) - len(set(delivered)),
            undelivered=len(set(sent) - set(delivered)),
            failed=len(failed),
            failed_queued=sum(1 for e in failed if e.get("queued")),
            shown=len(shown_texts),
            shown_twice=sum(1 for x in counts.values() if x > 1),
            extra_shows=sum(x - 1 for x in counts.values()),
            shown_as_plain=sum(1 for e in live if e.get("kind") == "plain"
                               or "id" not in e),
            stored=len(stored),
            stored_twice=sum(1 for x in scounts.values() if x > 1),
            never_shown=sum(1 for t in texts
                            if t not in counts and t not in scounts),
            stored_not_shown=sum(1 for t in scounts if t not in counts),
            out_of_order=order_broken,
            unknown_texts=sum(1 for t in set(shown_texts) | set(scounts)
                              if t not in index),
            a_exit=a_exit,
            bad_lines=sum(1 for u in runs_b + [a] for e in u.seen
                          if e["event"] == "BADLINE"),
            plain=any(e["kind"] == "plain" for e in
                      _peer_events(a, b_at_a) +
                      [e for u in runs_b for e in _peer_events(u, a_at_b)]),
            relay=dict(relay.stats))
    except TestFailure as e:
        res["error"] = str(e)
    finally:
        for u in runs_b + [a]:
            if u is not None:
                u.kill()
        if relay is not None:
            relay.close()
        shutil.rmtree(root, ignore_errors=True)
    return res


def crash_problems(res):
    """What a crash_through_loss run broke of the README's promise, as
    short strings; empty when it held."""
    if res.get("error"):
        return ["harness: %s" % res["error"]]
    out = []
    for key, what in (("shown_twice", "shown twice"),
                      ("never_shown", "lost (never shown nor stored)"),
                      ("stored_twice", "stored twice"),
                      ("undelivered", "sent but not delivered"),
                      ("delivered_twice", "delivered reported twice"),
                      ("out_of_order", "shown out of order"),
                      ("unknown_texts", "shown but never typed")):
        if res[key]:
            out.append("%d %s" % (res[key], what))
    if res["sent"] != res["typed"]:
        out.append("%d typed but only %d sent" % (res["typed"], res["sent"]))
    if res["a_exit"] is not None:
        out.append("A exited (%d) before the end" % res["a_exit"])
    if res["bad_lines"]:
        out.append("%d lines of output not JSON" % res["bad_lines"])
    return out


def describe_crash(res):
    """One line of a crash_through_loss run's figures."""
    if res.get("error"):
        return "seed %d: harness error: %s" % (res["seed"], res["error"])
    return ("seed %d kill_at %.2f n %d: sent %d delivered %d failed %d "
            "(queued %d); B showed %d (%d at the kill, %d as plain text), "
            "stored %d; shown twice %d, never shown %d, stored twice %d, "
            "stored not shown %d, out of order %d; plain seen %s; %.1fs"
            % (res["seed"], res["kill_at"], res["n"], res["sent"],
               res["delivered"], res["failed"], res["failed_queued"],
               res["shown"], res["shown_at_kill"], res["shown_as_plain"],
               res["stored"], res["shown_twice"], res["never_shown"],
               res["stored_twice"], res["stored_not_shown"],
               res["out_of_order"], res["plain"], res["seconds"]))


def describe_contact(r):
    """One line for a first contact."""
    if r["error"]:
        return "seed %d: harness error: %s" % (r["seed"], r["error"])
    f = lambda s: "-" if s is None else "%.2fs" % s   # noqa: E731
    return ("seed %d: %s; A online uvqq at %s, B at %s; last A: %s, "
            "B: %s; plain seen %s%s" % (
                r["seed"], "ok" if r["ok"] else "FAILED", f(r["a_seconds"]),
                f(r["b_seconds"]), r["a_last"], r["b_last"], r["plain"],
                "; exited: " + ", ".join(r["exited"]) if r["exited"]
                else ""))
