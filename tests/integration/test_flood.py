"""test_flood.py: a flood from one address is dropped and counted while
other peers go on; strangers can be shut out."""
import os
import socket
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, PlainPeer, check, run  # noqa: E402


def vm_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def flood(port, seconds, rate, payload):
    """Send at about rate datagrams/s for seconds; return how many."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * rate)
        while sent < due:
            try:
                s.sendto(payload, ("127.0.0.1", port))
            except OSError:
                pass
            sent += 1
    s.close()
    return sent


def test_flood_from_one_address_is_bounded_and_others_go_on():
    u = Uvqq("--rate-limit", "1000", nick="u")
    v = Uvqq(nick="v")
    try:
        v.send("/peer %s" % u.addr)
        v.wait("peer", state="online")
        result = {}
        start = time.monotonic()
        t = threading.Thread(target=lambda: result.update(
            sent=flood(u.port, 2.0, 100000, b"flood " * 20)))
        t.start()
        for i in range(20):
            v.send("during the flood %d 洪水" % i)
        got = [u.wait("message", timeout=30,
                      match=lambda e: e["peer"] == v.loop_addr or
                      e["nick"] == "v")["text"] for _ in range(20)]
        check(got == ["during the flood %d 洪水" % i for i in range(20)],
              "the uvqq peer's messages all arrive, in order")
        [v.wait("delivered", timeout=30) for _ in range(20)]
        t.join()
        u.send("/stats")
        stats = u.wait("info", match=lambda e: "over rate limit" in e["text"]
                       and e["text"].startswith("datagrams"))["text"]
        elapsed = time.monotonic() - start
        dropped = int(stats.split("over rate limit ")[1].split(",")[0])
        shown = len([e for e in u.seen
                     if e["event"] == "message" and e["nick"] != "v"])
        check(dropped > 0, "drops are counted: %s" % stats)
        check(shown <= 1000 * elapsed + 1000, "at most the rate limit is "
              "shown: %d of %d in %.1fs" % (shown, result["sent"], elapsed))
        # AddressSanitizer keeps freed memory in quarantine: only a plain
        # build says what uvqq itself holds.
        rss = vm_kib(u.proc.pid, "VmHWM")
        if os.environ.get("UVQQ_SANITIZED") not in ("1", "TRUE", "ON"):
            check(rss < 64 * 1024, "peak RSS %d KiB" % rss)
        u.send("still typing")        # the input line is not frozen
        u.wait("error", match=lambda e: "no current peer" in e["text"])
    finally:
        u.kill()
        v.kill()


def test_known_only_ignores_strangers_but_counts_them():
    u = Uvqq("--known-only", nick="u")
    friend = PlainPeer()
    stranger = PlainPeer()
    try:
        u.send("/peer %s friend" % friend.addr)
        friend.recv()                 # the probe
        u.wait("peer", peer=friend.addr, kind="plain")
        stranger.sendto("let me in", u.port)
        friend.sendto("hi, it's me", u.port)
        msg = u.wait("message")
        check(msg["text"] == "hi, it's me", "only the friend is shown: %r"
              % msg)
        u.send("/stats")
        stats = u.wait("info", match=lambda e: "strangers" in e["text"])
        check(stats["text"].endswith("from strangers 1"), repr(stats))
        check(not [e for e in u.seen if e["event"] == "peer" and
                   e["peer"] == stranger.addr], "no peer for a stranger")
    finally:
        u.kill()
        friend.close()
        stranger.close()


def test_garbage_frames_are_counted_not_shown():
    u = Uvqq(nick="u")
    p = PlainPeer()
    try:
        for junk in [b"uvqq/1 MSG s=zz q=1", b"uvqq/1 ACK", b"uvqq/1",
                     b"uvqq/9 HELLO s=0000000000000001 n=x",
                     b"uvqq/1 MSG s=0000000000000001 q=1 b=1 m=1 f=0/99999",
                     b"uvqq/1 HELLO s=0000000000000001 n=%ZZ",
                     b"uvqq/1 MSG s=0000000000000001 q=1 b=1 m=1 f=0/1\n" +
                     b"x" * 60000]:
            p.sock.sendto(junk, ("127.0.0.1", u.port))
        p.sendto("a real line", u.port)
        msg = u.wait("message")
        check(msg["text"] == "a real line", "garbage never shown: %r" % msg)
        u.send("/stats")
        stats = u.wait("info", match=lambda e: "malformed" in e["text"])
        check("malformed 7" in stats["text"], repr(stats))
    finally:
        u.kill()
        p.close()


if __name__ == "__main__":
    sys.exit(run([test_flood_from_one_address_is_bounded_and_others_go_on,
                  test_known_only_ignores_strangers_but_counts_them,
                  test_garbage_frames_are_counted_not_shown]))
