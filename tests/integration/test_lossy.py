"""test_lossy.py: delivery through a path that drops 30% of datagrams each
way, duplicates some and reorders others (tests/integration/relay.py)."""
import os
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, check, free_port, run  # noqa: E402
from relay import Relay  # noqa: E402

SLOW = 60          # seconds a whole burst may take on a loaded 2-core CI


def lossy_pair(seed, drop=0.3, dup=0.05, delay_ms=20):
    a = Uvqq("--heartbeat", "1000", nick="alice")
    b = Uvqq("--heartbeat", "1000", nick="bob")
    r = Relay(a.port, b.port, drop=drop, dup=dup, delay_ms=delay_ms,
              seed=seed)
    # Both sides probe: one HELLO that gets through is enough.
    a.send("/peer 127.0.0.1:%d bob" % r.a_port)
    b.send("/peer 127.0.0.1:%d alice" % r.b_port)
    a.wait("peer", state="online", kind="uvqq", timeout=SLOW)
    b.wait("peer", state="online", kind="uvqq", timeout=SLOW)
    return a, b, r


def burst(sender, receiver, texts):
    got = [receiver.wait("message", timeout=SLOW)["text"] for _ in texts]
    first_bad = next((i for i, (x, y) in enumerate(zip(got, texts))
                      if x != y), None)
    check(got == texts, "in order, once each: first difference at %r"
          % first_bad)
    ids = [sender.wait("delivered", timeout=SLOW)["id"] for _ in texts]
    check(len(set(ids)) == len(texts), "each delivered once")


def no_extra(proc, kind, count):
    extra = [e for e in proc.seen if e["event"] == kind]
    check(len(extra) == count, "%d %s events, want %d" %
          (len(extra), kind, count))


def test_thousands_of_messages_both_ways_at_30_percent_loss():
    a, b, r = lossy_pair(seed=7)
    try:
        ta = ["a→b %d 你好" % i for i in range(2000)]
        tb = ["b→a %d hello" % i for i in range(1000)]
        for i in range(2000):
            a.send(ta[i])
            if i < 1000:
                b.send(tb[i])
        burst(a, b, ta)
        burst(b, a, tb)
        check(a.quit() == 0 and b.quit() == 0, "clean exit")
        no_extra(b, "message", 2000)
        no_extra(a, "message", 1000)
        no_extra(a, "failed", 0)
        # Short messages travel several to a datagram: count datagrams.
        seen = r.stats["forwarded"] + r.stats["dropped"]
        check(r.stats["dropped"] > 0.2 * seen and r.stats["dropped"] > 100
              and r.stats["duplicated"] > 10,
              "the relay really was lossy: %r" % r.stats)
    finally:
        a.kill()
        b.kill()
        r.close()


def test_long_messages_both_ways_at_30_percent_loss():
    a, b, r = lossy_pair(seed=11)
    try:
        big_a = "".join("甲乙丙丁 %05d " % i for i in range(4000))
        big_a = big_a.encode()[:65536].decode("utf-8", "ignore")
        big_b = "".join("long line %05d\n" % i for i in range(4000))[:65536]
        a.send(big_a.replace("\n", " "))
        b.send(big_b.replace("\n", " "))
        a.send("after the long one")
        got = b.wait("message", timeout=SLOW)["text"]
        check(got == big_a, "64 KiB a→b whole (%d of %d chars)" %
              (len(got), len(big_a)))
        check(b.wait("message", timeout=SLOW)["text"] ==
              "after the long one", "order kept after a long message")
        got = a.wait("message", timeout=SLOW)["text"]
        check(got == big_b.replace("\n", " "), "64 KiB b→a whole")
        for p in (a, a, b):
            p.wait("delivered", timeout=SLOW)
    finally:
        a.kill()
        b.kill()
        r.close()


def test_peer_gone_means_failed_and_offline_and_the_loop_goes_on():
    a = Uvqq("--heartbeat", "100", nick="alice")
    b = Uvqq("--heartbeat", "100", nick="bob")
    c = Uvqq(nick="carol")
    try:
        a.send("/peer %s" % b.addr)
        a.wait("peer", peer=b.addr, state="online")
        b.kill()                      # gone without BYE: ICMP unreachable
        a.send("are you there?")
        a.wait("peer", peer=b.addr, state="offline", timeout=5)
        ev = a.wait("failed", timeout=40)
        check(ev["reason"] == "no acknowledgement", repr(ev))
        a.send("/peer %s" % c.addr)   # the loop still runs
        a.send("carol, hi")
        check(c.wait("message")["text"] == "carol, hi", "still chatting")
        a.wait("delivered", peer=c.addr)
    finally:
        a.kill()
        b.kill()
        c.kill()


def stats(u):
    """u's /stats: the count of retransmissions, and the first peer's
    RTO in ms."""
    u.send("/stats")
    total = u.wait("info", match=lambda e: e["text"].startswith(
        "datagrams in"))["text"]
    peer = u.wait("info", match=lambda e: " rto " in e["text"])["text"]
    return (int(total.split("retransmitted ")[1].split(",")[0]),
            int(peer.split(" rto ")[1].split()[0]))


def test_a_lost_stretch_is_retried_each_rto_while_the_peer_is_heard():
    """What A sends is lost for 3 s while B's heartbeats still arrive:
    the peer is there, the loss is on the way. A must keep trying each
    RTO, not double its wait after every loss (a lossy path would leave a
    message waiting seconds), and the message arrives once the path
    heals, once."""
    a = Uvqq("--heartbeat", "500", nick="alice")
    b = Uvqq("--heartbeat", "500", nick="bob")
    r = Relay(a.port, b.port)
    try:
        a.send("/peer 127.0.0.1:%d bob" % r.a_port)
        a.wait("peer", state="online", kind="uvqq", timeout=SLOW)
        for i in range(5):              # RTT samples: an RTO for the path
            a.send("warm up %d" % i)
            a.wait("delivered", timeout=SLOW)
        before, rto = stats(a)
        r.drop_to_b = 1.0
        a.send("held up 堵住了")
        sent = a.wait("sent", text="held up 堵住了")
        time.sleep(3.0)                 # the stretch of loss itself
        after, _ = stats(a)
        r.drop_to_b = None
        # Doubling from a 30 ms RTO, with a heartbeat heard now and then,
        # gives about 9 tries in 3 s. A slow machine's longer RTO fits
        # fewer: ask for half of what fits, at most 15.
        want = min(15, int(3000 / max(rto, 1) / 2))
        check(after - before >= want, "%d retransmissions in 3 s with an "
              "RTO of %d ms; want at least %d" % (after - before, rto, want))
        a.wait("delivered", id=sent["id"], timeout=SLOW)
        b.wait("message", text="held up 堵住了", timeout=SLOW)
        check(a.quit() == 0 and b.quit() == 0, "clean exit")
        check(sum(e["event"] == "message" and e["text"] == "held up 堵住了"
                  for e in b.seen) == 1, "shown once")
    finally:
        a.kill()
        b.kill()
        r.close()


def test_late_handshake_answers_leave_a_timeout_fit_for_the_path():
    """A adds B (B never adds A), and B's answers are lost until A has
    taken it for plain: A hears B's last repeated WELCOME a third of a
    second after its last HELLO, and that is no round trip. The timeout
    must come from data once data flows, not stay near a second for
    dozens of messages."""
    b = Uvqq(nick="bob")
    pa = free_port()
    r = Relay(pa, b.port)
    # A's probes end at 375 ms and it takes B for plain at 500; B's
    # WELCOMEs go at once and 100, 300 and 700 ms after the first HELLO:
    # only the last one gets through.
    r.deaf_a = 0.55
    a = None
    try:
        a = Uvqq("--probe-timeout", "500", "127.0.0.1:%d" % r.a_port,
                 nick="alice", port=pa)
        a.wait("peer", state="online", kind="uvqq", timeout=SLOW)
        for i in range(5):
            a.send("now that we know %d" % i)
            a.wait("delivered", timeout=SLOW)
        _, rto = stats(a)
        check(rto < 250, "after 5 messages on loopback the RTO is %d ms"
              % rto)
    finally:
        if a is not None:
            a.kill()
        b.kill()
        r.close()


if __name__ == "__main__":
    sys.exit(run([test_thousands_of_messages_both_ways_at_30_percent_loss,
                  test_long_messages_both_ways_at_30_percent_loss,
                  test_peer_gone_means_failed_and_offline_and_the_loop_goes_on,
                  test_a_lost_stretch_is_retried_each_rto_while_the_peer_is_heard,
                  test_late_handshake_answers_leave_a_timeout_fit_for_the_path]))
