"""test_sealed.py: issue 12's sealed sessions, seen from the path. A relay
that records every datagram finds no text, nick (after the handshake) or
message id in the clear; one that flips bits in some datagrams and plays
recorded ones again, also after the receiver restarted, gets nothing
shown altered or twice, and everything still delivered; a peer known as
uvqq that answers with bare text never gets the queued messages in the
clear."""
import os
import random
import re
import shutil
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, PlainPeer, check, run  # noqa: E402
from relay import Relay  # noqa: E402

SLOW = 60


class Tap(Relay):
    """A relay that keeps a copy of every datagram it is given, and may
    hand each to `meddle`, which returns the datagrams to forward."""

    def __init__(self, *args, meddle=None, **kw):
        self.seen = []
        self.meddle = meddle
        super().__init__(*args, **kw)

    def _schedule(self, sock, data, to):
        self.seen.append(data)
        for d in (self.meddle(data) if self.meddle else [data]):
            super()._schedule(sock, d, to)


def pair_through(relay_cls, seed, dirs=None, **kw):
    """bob, then a relay, then alice adding bob: a one-sided contact."""
    b = Uvqq(nick="bob", data_dir=dirs and dirs["b"])
    pa = None
    from harness import free_port
    pa = free_port()
    r = relay_cls(pa, b.port, seed=seed, **kw)
    a = Uvqq("127.0.0.1:%d" % r.a_port, nick="alice", port=pa,
             data_dir=dirs and dirs["a"])
    a.wait("peer", state="online", kind="uvqq", timeout=SLOW)
    b.wait("peer", state="online", kind="uvqq", timeout=SLOW)
    return a, b, r


def test_nothing_of_a_conversation_is_in_the_clear():
    a, b, r = pair_through(Tap, 7)
    try:
        texts = ["秘密 %02d: meet at the old place at %d" % (i, i)
                 for i in range(30)]
        for t in texts:
            a.send(t)
        b.send("/msg 127.0.0.1:%d 回信 reply from bob: 收到" % r.b_port)
        a.send("/nick 爱丽丝")
        got = [b.wait("message", timeout=SLOW)["text"] for _ in texts]
        check(got == texts, "delivered in order")
        a.wait("message", timeout=SLOW)
        b.wait("peer", nick="爱丽丝", timeout=SLOW)
        ids = [str(e["id"]) for e in a.seen if e["event"] == "sent"]
        wire = b"\n".join(r.seen)
        for t in texts + ["回信 reply from bob: 收到"]:
            for word in (t.encode(), t.split(":")[0].encode()):
                check(word not in wire, "%r in the clear" % word)
        check("爱丽丝".encode() not in wire and
              b"%E7%88%B1" not in wire.upper(), "the new nick in the clear")
        check(not re.search(rb"\b[mq]=\d", wire), "message ids or "
              "sequence numbers in the clear")
        kinds = {d.split(b" ")[1] for d in r.seen if d.startswith(b"uvqq/")}
        check(kinds <= {b"HELLO", b"WELCOME", b"SEAL"}, "only the "
              "handshake is in the clear: %r" % kinds)
        for d in r.seen:
            d.decode("utf-8")                 # every datagram is text
            check(len(d) <= 1232, "a datagram of %d bytes" % len(d))
    finally:
        a.kill()
        b.kill()
        r.close()


class Dirs:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="uvqq-sealed-")

    def __getitem__(self, k):
        return os.path.join(self.root, k)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def test_flipped_bits_and_replays_change_nothing_shown():
    rng = random.Random(12)
    recorded = []

    def meddle(data):
        out = [data]
        recorded.append(data)
        if rng.random() < 0.1:              # a bit flipped somewhere
            i = rng.randrange(len(data))
            out = [data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) +
                   data[i + 1:]]
        if rng.random() < 0.2 and recorded:  # and something old again
            out.append(rng.choice(recorded))
        return out

    d = Dirs()
    a, b, r = pair_through(Tap, 3, dirs=d, meddle=meddle, drop=0.1)
    runs_b = [b]
    try:
        texts = ["第 %03d 条 message %d" % (i, i) for i in range(300)]
        for t in texts[:150]:
            a.send(t)
        b.wait("message", timeout=SLOW, text=texts[100])
        b.kill_keep = True
        b.proc.kill()                      # the receiver restarts
        b.proc.wait()
        b2 = Uvqq(nick="bob", port=b.port, data_dir=d["b"])
        runs_b.append(b2)
        for t in texts[150:]:
            a.send(t)
        b2.wait("message", timeout=SLOW, text=texts[-1])
        ids = {e["id"] for e in a.seen if e["event"] == "sent"}
        done = {e["id"] for e in a.seen if e["event"] == "delivered"}
        while not ids <= done:
            done.add(a.wait("delivered", timeout=SLOW)["id"])
        live = []
        for u in runs_b:
            u.drain()
            live += [e["text"] for e in u.seen if e["event"] == "message"]
        check(all(t in texts for t in live), "nothing altered shown: %r"
              % [t for t in live if t not in texts][:3])
        check(len(live) == len(set(live)), "nothing shown twice")
        b2.send("/stats")
        st = b2.wait("info", match=lambda e: "forged" in e["text"])
        check(re.search(r"forged [1-9]", st["text"]) and
              re.search(r"replayed [1-9]", st["text"]),
              "forgeries and replays are counted: %r" % st["text"])
    finally:
        a.kill()
        for u in runs_b:
            u.kill()
        r.close()
        d.close()


def test_a_known_uvqq_answering_with_bare_text_gets_nothing_in_the_clear():
    d = Dirs()
    b = Uvqq(nick="bob", data_dir=d["b"])
    a = Uvqq(nick="alice", data_dir=d["a"])
    port = b.port
    try:
        a.send("/peer %s bob" % b.addr)
        a.wait("peer", state="online", kind="uvqq")
        check(a.quit() == 0, "exit 0")
        b.kill()
        # bob's address now belongs to a plain program, which answers
        # alice's HELLO with text.
        impostor = PlainPeer(port=port)
        a = Uvqq(nick="alice", data_dir=d["a"])
        a.send("/peer bob")
        a.send("queued while bob is away: 秘密")
        data, _ = impostor.recv(timeout=SLOW)
        check(data.startswith("uvqq/1 HELLO"), repr(data))
        impostor.sendto("hi, I am not bob", a.port)
        msg = a.wait("message")
        check(msg["kind"] == "plain", "shown as unencrypted: %r" % msg)
        impostor.sock.settimeout(2.5)
        got = []
        try:
            while True:
                got.append(impostor.sock.recv(65536))
        except OSError:
            pass
        check(not any(b"\xe7\xa7\x98\xe5\xaf\x86" in g or b"queued" in g
                      for g in got), "the queued message in the clear: %r"
              % got)
        ev = [e for e in a.seen if e["event"] == "peer"][-1]
        check(ev["kind"] == "uvqq", "never taken for plain: %r" % ev)
        impostor.close()
    finally:
        a.kill()
        b.kill()
        d.close()


class Rebinding(Tap):
    """A relay whose side towards alice can move to another port, as a
    NAT does when it forgets a mapping: bob's datagrams then reach alice
    from an address she has never seen."""

    def move_a_side(self):
        old = self.a_side
        self.a_side = self._socket()
        self.a_port = self.a_side.getsockname()[1]
        return old


def test_a_peer_that_moves_is_followed_once_its_seal_opens():
    d = Dirs()
    a, b, r = pair_through(Rebinding, 5, dirs=d)
    old_sock = None
    try:
        old = "127.0.0.1:%d" % r.a_port
        a.send("before the move")
        b.wait("message", text="before the move")
        old_sock = r.move_a_side()
        new = "127.0.0.1:%d" % r.a_port
        b.send("/msg 127.0.0.1:%d after the move: 我换了地址" % r.b_port)
        ev = a.wait("moved", timeout=SLOW)
        check(ev["peer"] == new and ev["from"] == old, repr(ev))
        msg = a.wait("message", text="after the move: 我换了地址")
        check(msg["peer"] == new and msg.get("secure"), repr(msg))
        a.send("to the new address")
        b.wait("message", text="to the new address", timeout=SLOW)
        sent = a.wait("sent", text="to the new address")
        a.wait("delivered", id=sent["id"], timeout=SLOW)
        # The conversation is the same one: its history moved with it.
        a.send("/history 10")
        rows = [a.wait("message", match=lambda e: e.get("history"))
                for _ in range(3)]
        check({e["peer"] for e in rows} == {new} and "before the move" in
              [e["text"] for e in rows], repr(rows))
        # A stranger's datagram from yet another address moves nothing.
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        forged = [x for x in r.seen if x.startswith(b"uvqq/1 SEAL")][-1]
        s.sendto(forged, ("127.0.0.1", a.port))
        a.send("/peers")
        a.wait("info", match=lambda e: new in e["text"])
        check(not [e for e in a.seen if e["event"] == "moved"
                   and e["peer"] != new], "a replayed seal moved the peer")
        s.close()
    finally:
        a.kill()
        b.kill()
        r.close()
        if old_sock is not None:
            old_sock.close()
        d.close()


if __name__ == "__main__":
    sys.exit(run([test_nothing_of_a_conversation_is_in_the_clear,
                  test_flipped_bits_and_replays_change_nothing_shown,
                  test_a_known_uvqq_answering_with_bare_text_gets_nothing_in_the_clear,
                  test_a_peer_that_moves_is_followed_once_its_seal_opens]))
