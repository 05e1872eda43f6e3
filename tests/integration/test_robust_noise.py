"""test_robust_noise.py: issue 11 off the happy path. What a plain peer
sees of the probe, text typed while a peer is still being probed, bare
text from an address that speaks uvqq, binary noise, a flood of garbage
and mutated frames, and what a stranger can make uvqq send back."""
import json
import os
import random
import re
import socket
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, check, run, TestFailure, TIMEOUT  # noqa: E402
from relay import Relay  # noqa: E402

PROBE_SLACK = 0.3        # seconds a probe's last HELLO may come late
MAX_HELLOS = 5           # HELLOs a silent peer gets in all


def hex16(rng):
    return "%016x" % rng.getrandbits(64)


class Catcher:
    """A UDP socket on loopback that records every datagram it gets, with
    the time it came, from a thread of its own: nothing sent to it is lost
    in its own buffer while the test is busy elsewhere."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.got = []                    # (time.monotonic(), bytes)
        self.cond = threading.Condition()
        self.closing = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closing:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.got.append((time.monotonic(), data))
                self.cond.notify_all()

    def sendto(self, data, port):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendto(data, ("127.0.0.1", port))

    def wait_for(self, pred, what, timeout=TIMEOUT):
        """The first (time, data) received with pred(data)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, d in self.got:
                    if pred(d):
                        return t, d
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure("%s: not received in %ss; got %r" %
                                      (what, timeout, self.texts()[-5:]))
                self.cond.wait(left)

    def until(self, when):
        """Everything received by the monotonic time when: silence is
        observed for a bounded time, there is no event to wait for."""
        left = when - time.monotonic()
        if left > 0:
            time.sleep(left)
        with self.cond:
            return list(self.got)

    def texts(self):
        with self.cond:
            return [d for _, d in self.got]

    def close(self):
        self.closing = True
        self.thread.join(timeout=2)
        self.sock.close()


def is_hello(data):
    return data.startswith(b"uvqq/1 HELLO")


def valid_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def check_hellos(hellos, t0, timeout, what):
    """A probe: 1 to MAX_HELLOS HELLOs, valid UTF-8, all within the
    probe timeout (and PROBE_SLACK) of t0."""
    check(1 <= len(hellos) <= MAX_HELLOS, "%s: %d datagrams before the "
          "typed text, want 1 to %d HELLOs: %r" %
          (what, len(hellos), MAX_HELLOS, [d[:40] for _, d in hellos]))
    for t, d in hellos:
        check(valid_utf8(d) and is_hello(d), "%s: before the typed text a "
              "datagram that is not a UTF-8 HELLO: %r" % (what, d[:80]))
        check(t - t0 <= timeout + PROBE_SLACK, "%s: a HELLO %.2fs after the "
              "peer was added, probe timeout %.1fs" % (what, t - t0, timeout))


# -- 1. what a plain peer sees of the probe ---------------------------------

def test_silent_plain_peer_gets_a_few_hellos_then_only_typed_text():
    """Added with /peer and as a PEER argument: at most 5 HELLOs, all
    within the probe timeout, then through 25 heartbeat intervals nothing,
    then only what is typed."""
    by_cmd, by_arg = Catcher(), Catcher()
    u = v = None
    try:
        u = Uvqq("--heartbeat", "100", nick="alice")
        v = Uvqq("--heartbeat", "100", by_arg.addr, nick="vera")
        t_arg = time.monotonic()          # v is up: its probe has begun
        t_cmd = time.monotonic()
        u.send("/peer %s" % by_cmd.addr)
        for proc, c in ((u, by_cmd), (v, by_arg)):
            ev = proc.wait("peer", peer=c.addr, kind="plain")
            check(ev["state"] == "online", repr(ev))
        quiet = max(t_cmd, t_arg) + 1.0 + PROBE_SLACK + 2.5
        by_cmd.until(quiet)
        text = "only this, 只有这个"
        t_typed = time.monotonic()
        u.send(text)
        v.send(text)
        for c in (by_cmd, by_arg):
            c.wait_for(lambda d: d == text.encode(), "typed text")
        end = time.monotonic() + 0.5      # 5 more heartbeat intervals
        for c, t0, what in ((by_cmd, t_cmd, "/peer"),
                            (by_arg, t_arg, "PEER argument")):
            got = c.until(end)
            check_hellos([(t, d) for t, d in got if t < t_typed], t0, 1.0,
                         what)
            rest = [d for t, d in got if t >= t_typed]
            check(rest == [text.encode()], "%s: after the probe a plain "
                  "peer sees only the typed text: %r" % (what, rest))
    finally:
        for p in (u, v):
            if p is not None:
                p.kill()
        by_cmd.close()
        by_arg.close()


def test_plain_peer_answering_the_first_hello_gets_no_more():
    """Text back after the first HELLO ends the probe: no more HELLOs, no
    heartbeats; what was typed while probing goes out then, once."""
    c = Catcher()
    u = Uvqq("--heartbeat", "100", nick="alice")
    try:
        t0 = time.monotonic()
        u.send("/peer %s" % c.addr)
        u.send("typed while probing")
        _, first = c.wait_for(lambda d: True, "the first HELLO")
        check(is_hello(first), "the first datagram is a HELLO: %r" % first)
        c.sendto("hi, I am plain 你好", u.port)
        # A HELLO already on its way when the answer left is no fault.
        t_answer = time.monotonic() + 0.02
        msg = u.wait("message", peer=c.addr)
        check(msg["text"] == "hi, I am plain 你好", repr(msg))
        ev = u.wait("peer", peer=c.addr, kind="plain")
        check(ev["state"] == "online", repr(ev))
        c.wait_for(lambda d: d == b"typed while probing", "held text")
        got = c.until(t0 + 1.0 + PROBE_SLACK + 1.0)
        late = [d[:40] for t, d in got if t > t_answer and is_hello(d)]
        check(not late, "HELLOs after the plain peer answered: %r" % late)
        other = [d for t, d in got if not is_hello(d)]
        check(other == [b"typed while probing"], "a plain peer sees nothing "
              "but HELLOs and the typed text, once: %r" % other)
    finally:
        u.kill()
        c.close()


# -- 3. text typed while a peer is still being probed ----------------------

def test_text_typed_to_a_silent_plain_peer_waits_for_the_probe():
    """Typed right after /peer: held until the probe times out, then the
    bare text, once."""
    c = Catcher()
    u = Uvqq("--heartbeat", "100", "--probe-timeout", "500", nick="alice")
    try:
        t0 = time.monotonic()
        u.send("/peer %s" % c.addr)
        texts = [b"held 1", "held 2 你好".encode()]
        for t in texts:
            u.send(t.decode())
        u.wait("peer", peer=c.addr, kind="plain")
        c.wait_for(lambda d: d == texts[-1], "the second held line")
        got = c.until(time.monotonic() + 1.0)
        hellos = [(t, d) for t, d in got if d not in texts]
        check_hellos(hellos, t0, 0.5, "silent plain peer")
        rest = [(t, d) for t, d in got if t > hellos[-1][0]]
        check([d for _, d in rest] == texts, "after the probe exactly the "
              "typed text, once each, in order: %r" % [d for _, d in got])
        # The probe decides at its timeout, not before: the text waited.
        check(rest[0][0] - t0 >= 0.45, "text sent %.2fs after /peer, before "
              "the probe timeout of 0.5s" % (rest[0][0] - t0))
        check(rest[-1][0] - t0 <= 0.5 + PROBE_SLACK, "text held %.2fs, "
              "longer than the probe timeout" % (rest[-1][0] - t0))
    finally:
        u.kill()
        c.close()


def check_reliable(a, b, b_addr, texts, sentinel, timeout, what):
    """texts, typed at a while it probed b, went out as uvqq messages:
    sent, shown once each at b with the sender's id, in order, delivered."""
    sent = [a.wait("sent", timeout=timeout, peer=b_addr) for _ in texts]
    check([s["text"] for s in sent] == texts, "%s: sent %r" % (what, sent))
    got = [b.wait("message", timeout=timeout) for _ in texts]
    check([g["text"] for g in got] == texts, "%s: shown %r" % (what, got))
    check(all("id" in g for g in got), "%s: shown without an id, so sent "
          "as bare text: %r" % (what, got))
    check([g["id"] for g in got] == [s["id"] for s in sent],
          "%s: ids %r, sent %r" % (what, got, sent))
    done = [a.wait("delivered", timeout=timeout, peer=b_addr)["id"]
            for _ in texts]
    check(sorted(done) == sorted(s["id"] for s in sent),
          "%s: delivered %r" % (what, done))
    order = [(e["event"], e["id"]) for e in a.seen
             if e["event"] in ("sent", "delivered")]
    check(all(order.index(("sent", i)) < order.index(("delivered", i))
              for i in done), "%s: delivered before sent: %r" %
          (what, order))
    ev = [e for e in a.seen if e["event"] == "peer" and e["peer"] == b_addr]
    check(ev and ev[-1]["kind"] == "uvqq" and
          not any(e["kind"] == "plain" for e in ev),
          "%s: taken for plain on the way: %r" % (what, ev))
    # Nothing shown twice: the next message b shows is the sentinel.
    a.send(sentinel)
    nxt = b.wait("message", timeout=timeout)
    check(nxt["text"] == sentinel, "%s: shown again: %r" % (what, nxt))


def test_text_typed_to_a_uvqq_peer_while_probing_is_sent_reliably():
    """Typed right after /peer: held until the WELCOME, then reliable."""
    a = Uvqq(nick="alice")
    b = Uvqq(nick="bob")
    try:
        a.send("/peer %s" % b.addr)
        texts = ["early %d 早" % i for i in range(3)]
        for t in texts:
            a.send(t)
        check_reliable(a, b, b.addr, texts, "sentinel", TIMEOUT, "direct")
    finally:
        a.kill()
        b.kill()


# Relay seeds (relay.py draws once for a datagram it drops, three times for
# one it forwards) for which the path drops: A's first HELLO; not that but
# B's WELCOME; the first two datagrams; neither.
LOSSY_SEEDS = (1, 2, 4, 5)


def test_text_typed_right_after_peer_through_30_percent_loss_is_reliable():
    """A adds B (B has not added A) through a path dropping 30% each way
    and types at once: the lines wait for the handshake and arrive as uvqq
    messages, whichever of the first datagrams the path loses."""
    pairs = []
    try:
        for seed in LOSSY_SEEDS:
            a = Uvqq("--heartbeat", "1000", nick="alice")
            b = Uvqq("--heartbeat", "1000", nick="bob")
            pairs.append((a, b, None))
            r = Relay(a.port, b.port, drop=0.3, seed=seed)
            pairs[-1] = (a, b, r)
        for a, b, r in pairs:
            a.send("/peer 127.0.0.1:%d bob" % r.a_port)
            a.send("typed at once 1")
            a.send("typed at once 2 立刻")
        for (a, b, r), seed in zip(pairs, LOSSY_SEEDS):
            check_reliable(a, b, "127.0.0.1:%d" % r.a_port,
                           ["typed at once 1", "typed at once 2 立刻"],
                           "sentinel", 10, "relay seed %d" % seed)
    finally:
        for a, b, r in pairs:
            a.kill()
            b.kill()
            if r is not None:
                r.close()


# -- 1/2. bare text from an address that speaks uvqq -----------------------

def test_bare_text_after_a_handshake_is_shown_and_answered_with_a_hello():
    """A hand-made uvqq peer (sealpeer.py) greets uvqq and completes the
    sealed handshake, then (having taken it for plain) sends bare text:
    shown, and answered with one HELLO a second at most however much
    comes."""
    from sealpeer import SealPeer, parse
    u = Uvqq(nick="alice")
    peer = SealPeer(nick="hand")
    h = Catcher()
    h.sock.close()
    h.sock = peer.sock                     # the catcher reads for the peer
    h.sock.settimeout(0.05)
    h.port, h.addr = peer.port, peer.addr
    h.closing = False
    h.thread = threading.Thread(target=h._run, daemon=True)
    try:
        h.sendto(peer.hello(), u.port)
        h.thread.start()
        t_w, welcome = h.wait_for(lambda d: d.startswith(b"uvqq/1 WELCOME"),
                                  "WELCOME")
        kind, keys, body, head = parse(welcome)
        check(keys["d"] == "%016x" % peer.sid, repr(welcome))
        peer.take(keys)
        check(peer.check_proof(keys, body, head), "uvqq's proof opens")
        # Our proof: uvqq takes the session, and seals a PING to us.
        h.sendto(peer.welcome(), u.port)
        _, ping = h.wait_for(lambda d: d.startswith(b"uvqq/1 SEAL") and
                             peer.open(d) is not None, "a sealed PING")
        (kind, pkeys, _), = peer.open(ping)
        h.sendto(peer.seal(peer.frame("PONG s=SID d=%s" % pkeys["s"])),
                 u.port)
        ev = u.wait("peer", peer=h.addr, state="online")
        check(ev["kind"] == "uvqq" and ev["nick"] == "hand", repr(ev))
        # A HELLO a second at most may count the WELCOME: start after one.
        h.until(t_w + 1.1)
        start = len(h.got)
        lines = ["plain now"] + ["bare line %d 纯文本" % i
                                 for i in range(1, 20)]
        t0 = time.monotonic()
        for i, line in enumerate(lines):       # 20 lines in 0.4 s
            h.until(t0 + i * 0.02)
            h.sendto(line, u.port)
        got = [u.wait("message", peer=h.addr)["text"] for _ in lines]
        check(got == lines, "bare text from a uvqq peer is shown: %r" % got)
        back = [d for t, d in h.until(t0 + 1.4)[start:]]
        hellos = [d for d in back if is_hello(d)]
        check(all(valid_utf8(d) for d in hellos), repr(hellos))
        check(1 <= len(hellos) <= 2, "%d HELLOs for 20 bare lines in 0.4s, "
              "want 1 (at most 2); sent back: %r" %
              (len(hellos), [d[:30] for d in back]))
    finally:
        u.kill()
        h.close()


# -- 4. binary noise -------------------------------------------------------

# Python's surrogateescape turns each byte that is not part of valid UTF-8
# into one lone surrogate: those, C0 controls but TAB, LF and CR, and DEL
# are the bad units of the rule.
BAD_UNIT = re.compile("[\udc80-\udcff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_binary(data):
    """More than 2 bad units, and more than a quarter of the bytes."""
    bad = len(BAD_UNIT.findall(data.decode("utf-8", "surrogateescape")))
    return bad > 2 and bad * 4 > len(data)


def binary_cases():
    """(what, datagram, the text shown or None for binary)."""
    rng = random.Random(4)
    few = bytearray(("a text of some length, " * 40).encode())
    for i in range(10):
        few[50 + i * 80] = 0xff
    few = bytes(few)
    return [
        ("a mis-encoded word", b"caf\xe9 au lait", "caf\ufffd au lait"),
        ("Chinese", "你好 world".encode(), "你好 world"),
        ("two bad bytes of four", b"ab\xff\xfe", "ab\ufffd\ufffd"),
        ("three bad of twelve: a quarter", b"abcdefghi\xff\xfe\xfd",
         "abcdefghi\ufffd\ufffd\ufffd"),
        ("three bad of eleven", b"abcdefgh\xff\xfe\xfd", None),
        ("NUL and C0 controls", b"\x00\x01\x02\x03abc", None),
        ("DEL", b"ab\x7f\x7f\x7f", None),
        ("TAB, LF and CR are text", b"a\tb\nc\rd\te\nf\rg",
         "a\tb\nc\rd\te\nf\rg"),
        ("8 KiB of random bytes", rng.randbytes(8192), None),
        ("a long text with ten bad bytes", few,
         few.decode("utf-8", "replace")),
        ("64 KiB of random bytes", rng.randbytes(65507), None),
    ]


def wide_cases():
    """The rule counts bytes: a mis-encoded word in a short line of
    Chinese is text (3 bad of 27 bytes, though of 11 characters), a whole
    line in GBK is not."""
    return [
        ("three bad bytes after eight Chinese characters",
         "你好你好你好你好".encode() + b"\xff\x80\xfd",
         "你好你好你好你好\ufffd\ufffd\ufffd"),
        ("a line in GBK", "你好，今天下午三点见".encode("gbk"), None),
    ]


def show_cases(cases):
    """Send each case from one address, then a mark: what was shown of
    each (every datagram before the mark has been read when the mark is
    shown), and the /stats line. A second address sends only the binary
    cases: it must not become a peer."""
    for what, data, want in cases:       # the cases follow the rule
        assert is_binary(data) == (want is None), what
    u = Uvqq(nick="alice")
    c, noise = Catcher(), Catcher()
    try:
        c.sendto("hello", u.port)
        u.wait("message", peer=c.addr, text="hello")
        wrong = []
        for i, (what, data, want) in enumerate(cases):
            c.sendto(data, u.port)
            if want is None:
                noise.sendto(data, u.port)
            c.sendto("mark %d" % i, u.port)
            shown = []
            while True:
                t = u.wait("message", peer=c.addr)["text"]
                if t == "mark %d" % i:
                    break
                shown.append(t)
            if shown != ([] if want is None else [want]):
                wrong.append("%s: shown %r" % (what, [s[:24] for s in shown]))
        u.send("/stats")
        stats = u.wait("info", match=lambda e: e["text"].startswith(
            "datagrams"))["text"]
        noisy = [e for e in u.seen if e.get("peer") == noise.addr]
        return wrong, stats, noisy
    finally:
        u.kill()
        c.close()
        noise.close()


def test_binary_datagrams_are_counted_and_text_with_bad_bytes_shown():
    cases = binary_cases()
    wrong, stats, noisy = show_cases(cases)
    check(not wrong, "; ".join(wrong))
    m = re.search(r"\bbinary (\d+)", stats.split("dropped:", 1)[-1])
    nbin = 2 * sum(1 for _, _, want in cases if want is None)
    check(m is not None and int(m.group(1)) == nbin,
          "/stats counts %d binary datagrams: %r" % (nbin, stats))
    check(not noisy, "an address that sent only binary noise is not shown "
          "as a peer: %r" % noisy)


def test_binary_rule_counts_bytes_so_wide_text_keeps_a_bad_word():
    wrong, _, _ = show_cases(wide_cases())
    check(not wrong, "; ".join(wrong))


def real_frames(rng):
    """Frames as one run of a real uvqq sends them (one session, a stream
    of short messages), and lines a plain peer would type."""
    sid, dst, uid = "3a5e1d0c7b9f2e41", "9c0ffee15bad5eed", "77aa00bb11cc22dd"
    hello_body = "\nHello! This is alice chatting with uvqq. Just reply " \
        "with text to talk."
    frames = [
        "uvqq/1 HELLO s=%s n=alice u=%s p=1%s" % (sid, uid, hello_body),
        "uvqq/1 HELLO s=%s d=%s n=alice u=%s p=1%s" % (sid, dst, uid,
                                                     hello_body),
        "uvqq/1 WELCOME s=%s d=%s n=alice u=%s p=1" % (sid, dst, uid),
        "uvqq/1 PING s=%s" % sid,
        "uvqq/1 PONG s=%s d=%s" % (sid, dst),
        "uvqq/1 BYE s=%s" % sid,
    ]
    words = ["hello", "你好", "world", "世界", "ok", "好的", "see", "you",
             "明天", "见", "3pm", "☕", "lunch?", "午饭"]
    for q in range(1, 201):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        frames.append("uvqq/1 MSG s=%s q=%d b=1 m=%d f=0/1\n%s" %
                      (sid, q, q, body))
        frames.append("uvqq/1 MSG s=%s q=%d b=1 m=%d f=0/1 l=%d\n%s"
                      "uvqq/1 MSG s=%s q=%d b=1 m=%d f=0/1 l=2\nok" %
                      (sid, q, q, len(body.encode()), body, sid, q + 1,
                       q + 1))
        frames.append("uvqq/1 ACK s=%s d=%s a=%d k=%d-%d,%d" %
                      (sid, dst, q, q + 2, q + 5, q + 7))
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
             for _ in range(200)]
    return [f.encode() for f in frames], [t.encode() for t in lines]


def mutate(rng, data, keep=0):
    """One to four byte flips, truncations, insertions of random bytes or
    of a copy of a piece, none in the first keep bytes."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        if op < 0.45 and len(data) > keep:
            i = rng.randrange(keep, len(data))
            if rng.random() < 0.5:
                data[i] ^= 1 << rng.randrange(8)
            else:
                data[i] = rng.randrange(256)
        elif op < 0.65 and len(data) > keep:
            del data[rng.randrange(keep, len(data)):]
        elif op < 0.9:
            i = rng.randrange(keep, len(data) + 1)
            data[i:i] = rng.randbytes(rng.randint(1, 16))
        elif len(data) > keep:
            i = rng.randrange(keep, len(data))
            j = rng.randrange(i, min(len(data), i + 64) + 1)
            k = rng.randrange(keep, len(data) + 1)
            data[k:k] = data[i:j]
    return bytes(data)


def flood_corpus(seed, count=20000):
    """(datagrams, what a correct uvqq may show of them). A quarter are
    random bytes of up to 64 KiB, two thirds mutated frames (most keep
    their "uvqq/1 " and test the frame decoder; a mutation there makes
    text), the rest mutated text lines, the shown part of this flood."""
    rng = random.Random(seed)
    frames, lines = real_frames(rng)
    out = []
    may_show = 0
    for i in range(count):
        kind = i % 12
        if kind < 3:
            out.append(rng.randbytes(rng.randint(1, 65507)))
            continue
        if kind < 11:
            d = mutate(rng, rng.choice(frames),
                       keep=7 if rng.random() < 0.9 else 0)
        else:
            d = mutate(rng, rng.choice(lines))
        out.append(d)
        # Text by the rule is shown: a message event of some 100 bytes.
        if not re.match(b"uvqq/[0-9]", d) and not is_binary(d):
            may_show += 120 + len(json.dumps(
                d.decode("utf-8", "replace"), ensure_ascii=False).encode())
    rng.shuffle(out)
    return out, may_show


def udp_queue(port):
    """(bytes queued, datagrams dropped) at the UDP socket bound to
    127.0.0.1:port, from the kernel's table."""
    want = "0100007F:%04X" % port
    # The table is read in pieces and sockets come and go meanwhile (other
    # tests run beside this one): a row can be missed; read it again.
    for _ in range(10):
        fd = os.open("/proc/net/udp", os.O_RDONLY)
        try:
            table = b""
            while True:
                piece = os.read(fd, 1 << 20)
                if not piece:
                    break
                table += piece
        finally:
            os.close(fd)
        for line in table.decode().splitlines():
            r = line.split()
            if len(r) > 12 and r[1] == want:
                return int(r[4].split(":")[1], 16), int(r[12])
    raise TestFailure("no UDP socket on 127.0.0.1:%d" % port)


def flood(sock, port, datagrams, enough):
    """Send datagrams to port as fast as its socket takes them: a loopback
    sendto never blocks, the kernel drops what the receiver has no room
    for, so past half of uvqq's receive buffer (4 MiB asked, doubled, as
    far as rmem_max lets it) this waits for room. Stops early once
    enough() is true. Returns (how many were sent, how many datagrams the
    kernel dropped at uvqq)."""
    with open("/proc/sys/net/core/rmem_max") as f:
        room = 2 * min(4 << 20, int(f.read()))
    _, drops0 = udp_queue(port)
    added = 0
    for n, d in enumerate(datagrams):
        added += len(d) + 1024              # with the kernel's overhead
        if added > room // 8:
            queued, _ = udp_queue(port)
            while queued > room // 4 and not enough():
                time.sleep(0.001)           # polling the kernel's table
                queued, _ = udp_queue(port)
            added = len(d) + 1024
        if enough():
            return n, udp_queue(port)[1] - drops0
        try:
            sock.sendto(d, ("127.0.0.1", port))
        except OSError:
            pass
    return len(datagrams), udp_queue(port)[1] - drops0


class CountingUvqq(Uvqq):
    """A Uvqq that counts the bytes it writes on stdout, stamps each event
    with the time its line was read ("_t") and keeps only the start of
    long messages (garbage would fill memory and failure messages)."""

    def __init__(self, *args, **kw):
        self.out_bytes = 0
        super().__init__(*args, **kw)

    def _read(self):
        for line in self.proc.stdout:
            self.out_bytes += len(line)
            try:
                ev = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                ev = {"event": "BADLINE", "line": repr(line[:200]),
                      "why": str(e)}
            if ev.get("event") == "message" and len(ev["text"]) > 100:
                ev["text"] = ev["text"][:100] + "..."
            ev["_t"] = time.monotonic()
            self.events.put(ev)
        self.events.put(None)


def test_flood_of_garbage_and_mutated_frames_stays_small_and_quick():
    """20,000 datagrams of garbage and mutated frames and text from one
    address: well under 1 MiB of output, and a real peer's message sent
    right after is shown within a second."""
    corpus, may_show = flood_corpus(seed=11)
    # Well under 1 MiB, and room for all the text a correct uvqq shows.
    limit = 512 * 1024
    assert may_show < limit // 2, may_show
    u = CountingUvqq(nick="u")
    v = Uvqq(nick="v")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        v.send("/peer %s" % u.addr)
        v.wait("peer", peer=u.addr, kind="uvqq", state="online")
        u.wait("peer", peer=v.addr, kind="uvqq", state="online")
        base = u.out_bytes
        t_flood = time.monotonic()
        # Past 4 times the limit the answer is known: stop there, and
        # within 20 s at most.
        took, drops = flood(s, u.port, corpus, lambda: u.out_bytes - base >
                            4 * limit or time.monotonic() > t_flood + 20)
        t_sent = time.monotonic()
        text = "after the flood 洪水之后"
        v.send(text)
        lag = None
        try:
            msg = u.wait("message", timeout=15, peer=v.addr, text=text)
            lag = msg["_t"] - t_sent
        except TestFailure:
            pass
        u.send("/stats")
        try:
            stats = u.wait("info", timeout=15, match=lambda e: e["text"].
                           startswith("datagrams"))["text"].split(",")[0]
        except TestFailure:
            stats = "no /stats answer in 15s"
        out = u.out_bytes - base
        shown = sum(1 for e in u.seen if e["event"] == "message" and
                    e["peer"] != v.addr)
        what = ("%d of %d datagrams sent in %.2fs (%d dropped by the "
                "kernel; %s): %d bytes of output, %d messages shown; the real "
                "peer's message %s" %
                (took, len(corpus), t_sent - t_flood, drops, stats, out,
                 shown, "not shown in 15s" if lag is None
                 else "shown %.2fs after it was sent" % lag))
        check(took == len(corpus) and out < limit and lag is not None and
              lag < 1.0, what)
    finally:
        u.kill()
        v.kill()
        s.close()


# -- 4. no amplification towards strangers ---------------------------------

def stranger_mix(seed, frames_only=False):
    """1000 datagrams: text of 1-5 bytes, random bytes, well-formed PINGs
    and HELLOs (bare headers) with random session ids, mutated frames; or
    only the PINGs and HELLOs."""
    rng = random.Random(seed)
    frames, lines = real_frames(rng)
    out = []
    for i in range(1000):
        kind = rng.randrange(5)
        if frames_only:
            kind = 2 + kind % 2
        if kind == 0:
            out.append(rng.choice(lines)[:rng.randint(1, 5)])
        elif kind == 1:
            out.append(rng.randbytes(rng.randint(1, 64)))
        elif kind == 2:
            out.append(("uvqq/1 PING s=%s" % hex16(rng)).encode())
        elif kind == 3:
            out.append(("uvqq/1 HELLO s=%s n=x u=%s p=1" %
                        (hex16(rng), hex16(rng))).encode())
        else:
            out.append(mutate(rng, rng.choice(frames)))
    return out


def amplification(datagrams, drain=1.5):
    """Send datagrams to a fresh uvqq from one stranger; what came back."""
    u = Uvqq(nick="alice")
    c = Catcher()
    try:
        for i, d in enumerate(datagrams):
            c.sendto(d, u.port)
            if i % 50 == 49:          # pace it so uvqq takes it all in
                c.until(time.monotonic() + 0.005)
        back = [d for _, d in c.until(time.monotonic() + drain)]
        u.send("/peers")              # still alive and answering
        u.wait("info")
        return back
    finally:
        u.kill()
        c.close()


def check_not_amplified(sent, back, what):
    sb, bb = sum(map(len, sent)), sum(map(len, back))
    check(bb <= sb and len(back) <= len(sent) + 3, "%s: got %d datagrams "
          "of %d bytes from a stranger, sent back %d datagrams of %d bytes: "
          "%r" % (what, len(sent), sb, len(back), bb,
                  [d[:30] for d in back[:4]]))


def test_a_stranger_gets_back_no_more_than_it_sent():
    sent = stranger_mix(seed=21)
    check_not_amplified(sent, amplification(sent), "a mix")


def test_a_stranger_sending_only_pings_and_hellos_gets_back_no_more():
    sent = stranger_mix(seed=22, frames_only=True)
    check_not_amplified(sent, amplification(sent), "PINGs and HELLOs")


def test_one_byte_of_text_from_a_stranger_gets_nothing_back():
    sent = [b"x"]
    check_not_amplified(sent, amplification(sent), "one byte")


def test_one_ping_from_a_stranger_gets_nothing_bigger_back():
    sent = [b"uvqq/1 PING s=0123456789abcdef"]
    check_not_amplified(sent, amplification(sent), "one PING")


if __name__ == "__main__":
    sys.exit(run([
        test_silent_plain_peer_gets_a_few_hellos_then_only_typed_text,
        test_plain_peer_answering_the_first_hello_gets_no_more,
        test_text_typed_to_a_silent_plain_peer_waits_for_the_probe,
        test_text_typed_to_a_uvqq_peer_while_probing_is_sent_reliably,
        test_text_typed_right_after_peer_through_30_percent_loss_is_reliable,
        test_bare_text_after_a_handshake_is_shown_and_answered_with_a_hello,
        test_binary_datagrams_are_counted_and_text_with_bad_bytes_shown,
        test_binary_rule_counts_bytes_so_wide_text_keeps_a_bad_word,
        test_flood_of_garbage_and_mutated_frames_stays_small_and_quick,
        test_a_stranger_gets_back_no_more_than_it_sent,
        test_a_stranger_sending_only_pings_and_hellos_gets_back_no_more,
        test_one_byte_of_text_from_a_stranger_gets_nothing_back,
        test_one_ping_from_a_stranger_gets_nothing_bigger_back,
    ]))
