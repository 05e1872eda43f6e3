"""test_trust.py: trust on first use, like ssh (issue 12). The first key
seen for a peer is remembered ("new"), matches after both restart
("known"), is "verified" after /trust; a stranger with another key on a
known peer's address gets the warning and none of what is typed to it
(each message fails: the key changed), the outbox waits for /trust, and
after /trust the conversation works again. Bare text from a uvqq peer's
address never passes for that peer's."""
import os
import shutil
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PlainPeer, Uvqq, check, free_port, run  # noqa: E402

SLOW = 30


class Dirs:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="uvqq-trust-")

    def __getitem__(self, k):
        return os.path.join(self.root, k)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def fingerprint(u):
    """Its own fingerprint, from its ready event."""
    return [e for e in u.seen if e["event"] == "ready"][0]["fingerprint"]


def sealed_peer(u, **fields):
    """The next peer event of a sealed session (with these fields)."""
    return u.wait("peer", timeout=SLOW, secure=True, **fields)


def verify_lines(u, who):
    """The info lines /verify prints: the first, then the indented ones
    up to the closing advice."""
    u.send("/verify " + who)
    lines = [u.wait("info", match=lambda e: e["text"].startswith(
        "/verify "))["text"]]
    while True:
        ev = u.wait("info", match=lambda e: e["text"].startswith(
            ("  ", "if ")))
        lines.append(ev["text"])
        if not ev["text"].startswith("  "):
            return "\n".join(lines)


def test_first_use_is_new_then_known_then_verified():
    d = Dirs()
    pa, pb = free_port(), free_port()
    a = b = None
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        a.send("/peer %s bob" % b.addr)
        ev = sealed_peer(a, state="online")
        check(ev["trust"] == "new", "first contact is new: %r" % ev)
        check(ev["fingerprint"] == fingerprint(b), "bob's fingerprint: "
              "%r, bob says %r" % (ev["fingerprint"], fingerprint(b)))
        ev = sealed_peer(b, state="online")
        check(ev["trust"] == "new" and ev["fingerprint"] == fingerprint(a),
              "alice is new to bob: %r" % ev)
        a.send("hello, sealed")
        msg = b.wait("message", text="hello, sealed")
        check(msg["secure"] is True and msg["kind"] == "uvqq",
              "a sealed message says so: %r" % msg)
        check(a.quit() == 0 and b.quit() == 0, "exit 0")

        # Both again, on the same data: the keys are on record.
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        ev = sealed_peer(a, state="online")
        check(ev["trust"] == "known" and ev["fingerprint"] ==
              fingerprint(b), "bob is known after a restart: %r" % ev)
        check(ev.get("name") == "bob", "still named: %r" % ev)
        ev = sealed_peer(b, state="online")
        check(ev["trust"] == "known", "alice is known to bob: %r" % ev)

        text = verify_lines(a, "bob")
        check(fingerprint(a) in text and fingerprint(b) in text,
              "/verify shows both fingerprints:\n%s" % text)
        a.send("/trust bob")
        ev = sealed_peer(a, trust="verified")
        check(ev["fingerprint"] == fingerprint(b), "verified: %r" % ev)
        check(a.quit() == 0, "exit 0")
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        ev = sealed_peer(a, state="online")
        check(ev["trust"] == "verified", "verified is kept: %r" % ev)
    finally:
        for u in (a, b):
            if u is not None:
                u.kill()
        d.close()


def test_a_known_key_is_known_at_a_new_address():
    d = Dirs()
    a = b = None
    try:
        b = Uvqq(nick="bob", data_dir=d["b"])
        a = Uvqq(nick="alice", data_dir=d["a"])
        a.send("/peer " + b.addr)
        sealed_peer(a, state="online", trust="new")
        check(b.quit() == 0, "exit 0")
        # bob moved: the same key at another port.
        b = Uvqq(nick="bob", data_dir=d["b"])
        a.send("/peer " + b.addr)
        ev = sealed_peer(a, peer=b.addr, state="online")
        check(ev["trust"] == "known" and ev["fingerprint"] ==
              fingerprint(b), "bob's key, wherever it is: %r" % ev)
    finally:
        for u in (a, b):
            if u is not None:
                u.kill()
        d.close()


def test_a_stranger_on_a_known_address_is_blocked_until_trust():
    d = Dirs()
    pb = free_port()
    a = b = c = None
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", data_dir=d["a"])
        a.send("/peer %s bob" % b.addr)
        sealed_peer(a, state="online", trust="new")
        a.send("before: for bob only")
        b.wait("message", text="before: for bob only")
        a.wait("delivered")
        fp_bob = fingerprint(b)
        b.kill()
        # Typed while bob is away: it waits in net for bob's next session.
        a.send("in flight: for bob only")
        a.wait("sent", text="in flight: for bob only")

        # Someone else, with a key of its own, on bob's address, calling
        # itself bob.
        c = Uvqq(nick="bob", port=pb, data_dir=d["c"])
        fp_c = fingerprint(c)
        check(fp_c != fp_bob, "another key")
        c.send("/peer " + a.addr)
        ev = sealed_peer(a, trust="changed")
        check(ev["fingerprint"] == fp_c and ev["peer"] == b.addr,
              "the new key, at bob's address: %r" % ev)
        err = a.wait("error", match=lambda e: "KEY CHANGED" in e["text"])
        for what in ("bob", fp_bob, fp_c):
            check(what in err["text"], "the warning names %r: %r" %
                  (what, err["text"]))

        # Nothing typed to it goes: each message fails, for good.
        secrets = ["after: 秘密 %d" % i for i in range(3)]
        a.send(secrets[0])
        a.send("/msg bob " + secrets[1])
        a.send("/msg %s %s" % (b.addr, secrets[2]))
        for t in secrets:
            sent = a.wait("sent", text=t)
            failed = a.wait("failed", id=sent["id"])
            check("key changed" in failed["reason"] and
                  "/trust" in failed["reason"], "why: %r" % failed)
            check(not failed.get("queued"), "not kept to go later: %r"
                  % failed)

        # What was on its way to bob went to the outbox, not to the new
        # key.
        a.wait("failed", match=lambda e: "key changed" in e["reason"] and
               e.get("queued"))
        c.drain()
        check(not [e for e in c.seen if e["event"] == "message" and
                   "in flight" in e["text"]], "the in-flight message went "
              "to the new key: %r" % c.seen)

        text = verify_lines(a, "bob")
        for what in (fingerprint(a), fp_c, fp_bob):
            check(what in text, "/verify shows %r:\n%s" % (what, text))

        a.send("/trust bob")
        ev = sealed_peer(a, trust="verified")
        check(ev["fingerprint"] == fp_c, "the new key accepted: %r" % ev)
        a.send("after /trust")
        c.wait("message", timeout=SLOW, text="after /trust")
        a.wait("delivered", timeout=SLOW)
        c.drain()
        shown = [e["text"] for e in c.seen if e["event"] == "message"]
        check(not any(t in shown for t in secrets + [
            "before: for bob only"]), "the stranger saw %r" % shown)
        check(a.quit() == 0, "exit 0")
    finally:
        for u in (a, b, c):
            if u is not None:
                u.kill()
        d.close()


def test_the_outbox_waits_for_trust_after_a_key_change():
    d = Dirs()
    pb = free_port()
    a = b = c = None
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", data_dir=d["a"])
        a.send("/peer %s bob" % b.addr)
        sealed_peer(a, state="online", trust="new")
        b.kill()
        # Typed while bob is away: it waits in the outbox (alice quits
        # before bob could take it).
        a.send("queued for bob: 待发")
        a.wait("sent", text="queued for bob: 待发")
        check(a.quit() == 0, "exit 0")
        ev = a.wait("failed")
        check(ev.get("queued") is True, "kept in the outbox: %r" % ev)

        c = Uvqq(nick="bob", port=pb, data_dir=d["c"])
        a = Uvqq(nick="alice", data_dir=d["a"])
        ev = sealed_peer(a, trust="changed")
        check(ev["fingerprint"] == fingerprint(c), "the new key: %r" % ev)
        # Held: a message typed now fails, and after it (in order) the
        # stranger would have the queued one by now if it had gone.
        a.send("/msg bob typed while changed")
        a.wait("failed", match=lambda e: "key changed" in e["reason"])
        c.send("/msg %s ping from the new key" % a.addr)
        a.wait("message", timeout=SLOW, text="ping from the new key")
        c.wait("delivered", timeout=SLOW)
        c.drain()
        check(not [e for e in c.seen if e["event"] == "message"],
              "nothing reached the new key: %r" % c.seen)

        a.send("/trust bob")
        sealed_peer(a, trust="verified")
        got = c.wait("message", timeout=SLOW)
        check(got["text"] == "queued for bob: 待发", "the outbox goes "
              "after /trust: %r" % got)
        check(a.quit() == 0, "exit 0")
    finally:
        for u in (a, b, c):
            if u is not None:
                u.kill()
        d.close()


def test_bare_text_from_a_uvqq_peers_address_is_not_its():
    d = Dirs()
    a = b = impostor = None
    try:
        b = Uvqq(nick="bob", data_dir=d["b"])
        a = Uvqq(nick="alice", data_dir=d["a"])
        a.send("/peer %s bob" % b.addr)
        sealed_peer(a, state="online")
        b.send("/msg %s sealed, from bob" % a.addr)
        a.wait("message", text="sealed, from bob")
        port = b.port
        b.kill()
        impostor = PlainPeer(port=port)
        impostor.sendto("it is me, bob, honest", a.port)
        msg = a.wait("message", text="it is me, bob, honest")
        check(msg["kind"] == "plain" and msg["secure"] is False,
              "shown as unencrypted: %r" % msg)
        check(msg["nick"] == "127.0.0.1:%d" % port and "name" not in msg,
              "not as bob: %r" % msg)
        # The history keeps telling them apart.
        a.send("/history 10")
        a.wait("info", match=lambda e: e["text"].startswith("/history"))
        old = {e["text"]: e for e in a.seen if e["event"] == "message" and
               e.get("history")}
        check(old["sealed, from bob"]["secure"] is True and
              old["it is me, bob, honest"]["secure"] is False,
              "stored with their seal: %r" % old)
    finally:
        for u in (a, b):
            if u is not None:
                u.kill()
        if impostor is not None:
            impostor.close()
        d.close()


def test_without_history_the_keys_last_for_the_run():
    a = Uvqq("--no-history", nick="alice")
    b = Uvqq("--no-history", nick="bob")
    try:
        a.send("/peer %s bob" % b.addr)
        ev = sealed_peer(a, state="online")
        check(ev["trust"] == "new" and ev["fingerprint"] == fingerprint(b),
              "new: %r" % ev)
        a.send("/trust bob")
        ev = sealed_peer(a, trust="verified")
        check(ev["fingerprint"] == fingerprint(b), "verified: %r" % ev)
        check(a.quit() == 0, "exit 0")
    finally:
        a.kill()
        b.kill()


if __name__ == "__main__":
    sys.exit(run([test_first_use_is_new_then_known_then_verified,
                  test_a_known_key_is_known_at_a_new_address,
                  test_a_stranger_on_a_known_address_is_blocked_until_trust,
                  test_the_outbox_waits_for_trust_after_a_key_change,
                  test_bare_text_from_a_uvqq_peers_address_is_not_its,
                  test_without_history_the_keys_last_for_the_run]))
