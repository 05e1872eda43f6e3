"""test_chat.py: two headless uvqq on loopback chat both ways."""
import sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, check, run, TestFailure  # noqa: E402


def pair(**kw):
    a = Uvqq(nick="alice", **kw)
    b = Uvqq(nick="bob", **kw)
    a.send("/peer %s bob" % b.addr)
    ev = a.wait("peer", state="online", peer=b.addr)
    check(ev["kind"] == "uvqq" and ev["nick"] == "bob", "a sees bob: %r" % ev)
    ev = b.wait("peer", state="online", peer=a.addr)
    check(ev["nick"] == "alice", "b sees alice: %r" % ev)
    b.send("/peer %s" % a.addr)
    b.wait("current", peer=a.addr)
    return a, b


def test_chinese_and_english_both_ways():
    a, b = pair()
    try:
        for text in ["hello bob", "你好，世界！", "mixed 中文 and emoji 👍🏽"]:
            a.send(text)
            sent = a.wait("sent")
            check(sent["text"] == text and sent["peer"] == b.addr, repr(sent))
            msg = b.wait("message")
            check(msg["text"] == text, "b got %r" % msg)
            check(msg["nick"] == "alice" and msg["peer"] == a.addr, repr(msg))
            check(msg["id"] == sent["id"], "same id both ends")
            a.wait("delivered", id=sent["id"], peer=b.addr)
        b.send("回复：收到 ok")
        msg = a.wait("message")
        check(msg["text"] == "回复：收到 ok" and msg["nick"] == "bob", repr(msg))
        check(msg.get("name") == "bob", "local name travels: %r" % msg)
        b.wait("delivered")
        check(a.quit() == 0 and b.quit() == 0, "clean exit")
    finally:
        a.kill()
        b.kill()


def test_many_messages_arrive_once_and_in_order():
    a, b = pair()
    try:
        n = 500
        for i in range(n):
            a.send("line %d 第%d行" % (i, i))
        got = [b.wait("message")["text"] for _ in range(n)]
        check(got == ["line %d 第%d行" % (i, i) for i in range(n)],
              "order: first difference at %r" %
              next((i for i, t in enumerate(got)
                    if t != "line %d 第%d行" % (i, i)), None))
        ids = {a.wait("delivered")["id"] for _ in range(n)}
        check(len(ids) == n, "each delivered once")
        check(a.quit() == 0, "exit 0")
        extra = [e for e in b.seen if e["event"] == "message"]
        check(len(extra) == n, "no duplicates: %d" % len(extra))
    finally:
        a.kill()
        b.kill()


def test_long_message_is_split_and_reassembled():
    a, b = pair()
    try:
        text = ("长消息 long message %d " * 3000) % tuple(range(3000))
        text = text.encode()[:65536].decode("utf-8", "ignore")
        a.send(text)
        msg = b.wait("message")
        check(msg["text"] == text, "64 KiB message arrives whole (%d vs %d)"
              % (len(msg["text"]), len(text)))
        a.wait("delivered")
        a.send("x" * 65537)
        err = a.wait("error")
        check("too long" in err["text"], repr(err))
    finally:
        a.kill()
        b.kill()


def test_msg_nick_peers_and_close():
    a, b = pair()
    try:
        b.send("/nick 小明")
        b.wait("nick", nick="小明")
        ev = a.wait("peer", peer=b.addr, nick="小明")
        check(ev["state"] == "online", repr(ev))
        a.send("/msg 小明 by nick")
        check(b.wait("message")["text"] == "by nick", "msg by nick")
        a.send("/msg bob by name")
        check(b.wait("message")["text"] == "by name", "msg by name")
        a.send("/msg %s by address" % b.addr)
        check(b.wait("message")["text"] == "by address", "msg by address")
        a.send("/peers")
        info = a.wait("info", match=lambda e: "online" in e["text"])
        check(b.addr in info["text"] and "uvqq online" in info["text"]
              and "小明" in info["text"], repr(info))
        a.send("/close bob")
        a.wait("closed", peer=b.addr)
        a.send("anyone there?")
        err = a.wait("error")
        check("no current peer" in err["text"], repr(err))
        a.send("/msg bob hi")
        check("no peer called bob" in a.wait("error")["text"], "closed")
    finally:
        a.kill()
        b.kill()


def test_errors_are_reported_and_the_program_goes_on():
    a = Uvqq()
    try:
        for line, want in [("/frobnicate", "unknown command"),
                           ("/peer nonsense", "missing ':PORT'"),
                           ("/peer 1.2.3.4:99999", "port"),
                           ("/peer [::1:80", "]"),
                           ("/nick", "your nick is alice"),
                           ("/nick two words", "too many arguments"),
                           ("/msg", "missing argument"),
                           ("hello", "no current peer"),
                           ("/help peer", "/peer ADDR [NAME]")]:
            a.send(line)
            ev = a.wait("error") if want not in ("your nick is alice",
                                                 "/peer ADDR [NAME]") \
                else a.wait("info")
            check(want in ev["text"], "%r -> %r" % (line, ev))
        a.wait("info")                # the rest of /help peer
        a.send("/help")
        lines = [a.wait("info")["text"]]
        while "/quit" not in lines[-1]:    # /quit is listed last
            lines.append(a.wait("info")["text"])
        for name in ("/peer", "/msg", "/nick", "/peers", "/close", "/stats",
                     "/help", "/quit"):
            check(any(name in t for t in lines), "help lists " + name)
        check(a.quit() == 0, "exit 0")
    finally:
        a.kill()


def test_quit_waits_for_delivery():
    a, b = pair()
    try:
        for i in range(50):
            a.send("bye %d" % i)
        a.proc.stdin.close()          # EOF right after typing
        check(a.proc.wait(timeout=10) == 0, "exit 0")
        delivered = {a.wait("delivered")["id"] for _ in range(50)}
        check(len(delivered) == 50, "all delivered before exit")
        got = [b.wait("message")["text"] for _ in range(50)]
        check(got == ["bye %d" % i for i in range(50)], "all shown")
        b.wait("peer", peer=a.addr, state="offline")   # BYE
    finally:
        a.kill()
        b.kill()


def test_undeliverable_messages_fail_on_quit():
    a, b = pair()
    try:
        b.proc.kill()
        b.proc.wait()
        a.send("into the void")
        a.wait("sent")
        a.proc.stdin.close()
        check(a.proc.wait(timeout=10) == 0, "exit 0 within the linger")
        ev = a.wait("failed")
        check(ev["reason"] and ev["peer"] == b.addr, repr(ev))
    finally:
        a.kill()
        b.kill()


def test_restarted_peer_is_a_new_session():
    a, b = pair()
    try:
        for i in range(3):
            b.send("before %d" % i)
            a.wait("message", text="before %d" % i)
        port = b.port
        b.quit()
        a.wait("peer", peer=b.addr, state="offline")
        # A data directory of its own: a new key, whose ids start over.
        b2 = Uvqq("127.0.0.1:%d" % a.port, nick="bob2", port=port)
        try:
            ev = a.wait("peer", peer=b2.addr, state="online", nick="bob2")
            b2.send("after restart")
            msg = a.wait("message")
            check(msg["text"] == "after restart" and msg["id"] == 1,
                  "new session's ids start over and are shown: %r" % msg)
            b2.wait("delivered")
            # Another key where bob's was: nothing goes to it unasked.
            check(ev["trust"] == "changed", "a new key: %r" % ev)
            a.send("/trust " + b2.addr)
            a.wait("peer", peer=b2.addr, trust="verified")
            a.send("welcome back")
            check(b2.wait("message")["text"] == "welcome back", "a -> b2")
        finally:
            b2.kill()
    finally:
        a.kill()
        b.kill()


def test_peer_going_away_turns_offline_then_online_again():
    a = Uvqq("--heartbeat", "100", nick="alice")
    b = Uvqq("--heartbeat", "100", nick="bob")
    try:
        a.send("/peer %s" % b.addr)
        a.wait("peer", peer=b.addr, state="online")
        b.proc.send_signal(19)        # SIGSTOP: silent, no BYE
        a.wait("peer", peer=b.addr, state="offline", timeout=5)
        b.proc.send_signal(18)        # SIGCONT
        a.wait("peer", peer=b.addr, state="online", timeout=5)
    finally:
        a.kill()
        b.kill()


def test_ipv6_and_host_names():
    a = Uvqq(nick="alice", bind="::1")
    b = Uvqq(nick="bob", bind="::1")
    c = Uvqq(nick="carol")
    try:
        check(a.addr.startswith("[::1]:"), "IPv6 address: %r" % a.addr)
        a.send("/peer %s" % b.addr)
        a.wait("peer", peer=b.addr, state="online")
        a.send("over IPv6 你好")
        msg = b.wait("message")
        check(msg["text"] == "over IPv6 你好" and msg["peer"] == a.addr,
              repr(msg))
        d = Uvqq(nick="dave")
        c.send("/peer localhost:%d dave" % d.port)
        ev = c.wait("peer", state="online")
        check(ev["peer"] == "127.0.0.1:%d" % d.port and
              ev.get("name") == "dave", "localhost resolved: %r" % ev)
        d.kill()
        c.send("/peer nosuchhost.invalid:9")
        err = c.wait("error", timeout=20)
        check("cannot resolve" in err["text"], repr(err))
    finally:
        a.kill()
        b.kill()
        c.kill()


def hand_made_peer(packs, count=60):
    """A uvqq peer written by hand (sealpeer.py), offering packing (p=1)
    or not, as an older uvqq would not: alice must seal for it only what
    it can read."""
    from sealpeer import SealPeer
    peer = SealPeer(nick="old", packs=packs)
    a = Uvqq(nick="alice")
    try:
        a.send("/peer %s" % peer.addr)
        src = peer.handshake_with(a.port)
        a.wait("peer", state="online", kind="uvqq")
        texts = ["line %02d 你好" % i for i in range(count)]
        a.send_bytes("".join(t + "\n" for t in texts).encode())
        got, most = [], 0
        while len(got) < count:
            data, src = peer.sock.recvfrom(65536)
            frames = peer.open(data) or []
            for kind, keys, _ in frames:
                if kind == "PING":
                    peer.sock.sendto(peer.seal(peer.frame(
                        "PONG s=SID d=%s" % keys["s"])), src)
            msgs = [f for f in frames if f[0] == "MSG"]
            most = max(most, len(msgs))
            for _, keys, body in msgs:
                got.append(body.decode())
                peer.sock.sendto(peer.seal(peer.frame(
                    "ACK s=SID d=%s a=%s" % (keys["s"], keys["q"]))), src)
        check(got == texts, "every line once, in order: %r" % got[:5])
        for i in range(count):
            a.wait("delivered")
        check(a.quit() == 0, "clean exit")
        return most
    finally:
        a.kill()
        peer.close()


def test_packing_only_for_a_peer_that_offers_it():
    most = hand_made_peer(packs=False)
    check(most == 1, "an older peer got %d frames in a datagram" % most)
    most = hand_made_peer(packs=True)
    check(most > 1, "a paste to a peer that packs took one datagram a line")


if __name__ == "__main__":
    sys.exit(run([test_chinese_and_english_both_ways,
                  test_many_messages_arrive_once_and_in_order,
                  test_long_message_is_split_and_reassembled,
                  test_msg_nick_peers_and_close,
                  test_errors_are_reported_and_the_program_goes_on,
                  test_quit_waits_for_delivery,
                  test_undeliverable_messages_fail_on_quit,
                  test_restarted_peer_is_a_new_session,
                  test_peer_going_away_turns_offline_then_online_again,
                  test_ipv6_and_host_names,
                  test_packing_only_for_a_peer_that_offers_it]))
