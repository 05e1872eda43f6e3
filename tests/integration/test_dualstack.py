"""test_dualstack.py: one uvqq on the default bind (::, IPv4 too) talks to
IPv4 and IPv6 peers, writes IPv4 peers as a.b.c.d:port, and says where it
can be reached (issue 14)."""
import os
import socket
import subprocess
import sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Uvqq, check, run, TIMEOUT  # noqa


def ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def chat(a, b, b_addr, a_addr, text_ab, text_ba):
    """a adds b (one side only); a message goes each way, once."""
    a.send("/peer %s" % b_addr)
    a.wait("peer", peer=b_addr, state="online")
    a.send(text_ab)
    msg = b.wait("message")
    check(msg["text"] == text_ab and msg["peer"] == a_addr and
          msg.get("secure") is True, "%s -> %s: %r" % (a_addr, b_addr, msg))
    a.wait("delivered")
    b.send("/msg %s %s" % (a_addr, text_ba))
    msg = a.wait("message")
    check(msg["text"] == text_ba and msg["peer"] == b_addr,
          "%s -> %s: %r" % (b_addr, a_addr, msg))


def test_default_bind_is_dual_stack_and_says_where():
    a = Uvqq(nick="a", bind=None)
    try:
        check(a.addr.startswith("[::]:"), "default bind: %s" % a.addr)
        for entry in a.addresses:
            check(set(entry) == {"addr", "kind"} and entry["kind"] in
                  ("yggdrasil", "public", "private", "loopback") and
                  entry["addr"].endswith(":%d" % a.port) and
                  "::ffff:" not in entry["addr"] and
                  not entry["addr"].startswith("[fe80"), repr(entry))
        a.send("/whoami")
        a.wait("info", match=lambda e: "listening on [::]:" in e["text"])
        lines = [a.wait("info", match=lambda e: e["text"].startswith(
            "reach me at "))["text"] for _ in a.addresses]
        check([ln.split()[3] for ln in lines] ==
              [e["addr"] for e in a.addresses], repr(lines))
        a.send("/set bind")
        a.wait("info", match=lambda e: e["text"] == "bind = ::")
    finally:
        a.kill()


def test_ipv4_peer_of_a_dual_stack_uvqq_is_written_ipv4():
    a = Uvqq(nick="a", bind=None)
    b = Uvqq(nick="b", bind="127.0.0.1")
    try:
        a_addr = "127.0.0.1:%d" % a.port
        chat(a, b, b.addr, a_addr, "hello over IPv4", "你好，IPv4")
        a.send("/peers")
        info = a.wait("info", match=lambda e: b.addr in e["text"])
        check("::ffff:" not in info["text"], repr(info))
    finally:
        a.kill()
        b.kill()


def test_ipv6_peer_of_a_dual_stack_uvqq():
    if not ipv6_loopback():
        print("skip: no IPv6 loopback here")
        return
    a = Uvqq(nick="a", bind=None)
    c = Uvqq(nick="c", bind="::1")
    try:
        check(c.addr == "[::1]:%d" % c.port, c.addr)
        chat(a, c, c.addr, "[::1]:%d" % a.port, "hello over IPv6",
             "你好，IPv6")
    finally:
        a.kill()
        c.kill()


def test_plain_ipv4_text_peer_reaches_a_dual_stack_uvqq():
    a = Uvqq(nick="a", bind=None)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        me = "127.0.0.1:%d" % s.getsockname()[1]
        s.sendto("来自 nc 的问候".encode(), ("127.0.0.1", a.port))
        msg = a.wait("message")
        check(msg["peer"] == me and msg["text"] == "来自 nc 的问候" and
              msg["kind"] == "plain", repr(msg))
        a.send("/msg %s 收到" % me)
        s.settimeout(TIMEOUT)
        data = b"uvqq/"
        while data.startswith(b"uvqq/"):      # greetings come first
            data, addr = s.recvfrom(65536)
        check(data.decode() == "收到" and addr[1] == a.port, repr(data))
    finally:
        s.close()
        a.kill()


def test_ipv4_only_socket_says_why_it_cannot_reach_ipv6():
    b = Uvqq(nick="b", bind="127.0.0.1")
    try:
        b.send("/peer [::1]:9")
        err = b.wait("error")
        check("cannot reach IPv6" in err["text"] and "bind ::" in
              err["text"], repr(err))
        b.send("/peers")        # still running, nothing half-added
        b.wait("info")
        b.send("/peer [2001:db8::1")
        check("expected" in b.wait("error")["text"], "bad address")
    finally:
        b.kill()


def test_dual_stack_whatever_bindv6only_says():
    """Some systems set net.ipv6.bindv6only=1; uvqq's :: takes IPv4 all
    the same. Tried in a network namespace of our own (root only)."""
    ns = "uvqq-ds-%d" % os.getpid()
    if os.geteuid() != 0 or subprocess.run(
            ["ip", "netns", "add", ns], capture_output=True).returncode:
        print("skip: cannot make a network namespace (needs root and ip)")
        return
    inside = ["ip", "netns", "exec", ns]
    try:
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["sysctl", "-qw", "net.ipv6.bindv6only=1"]):
            subprocess.run(inside + cmd, check=True)
        a = Uvqq(nick="a", bind=None, wrapper=inside)
        try:
            check(a.addr.startswith("[::]:"), a.addr)
            subprocess.run(inside + [sys.executable, "-c",
                "import socket; socket.socket(socket.AF_INET, "
                "socket.SOCK_DGRAM).sendto('hi v4'.encode(), "
                "('127.0.0.1', %d))" % a.port], check=True)
            msg = a.wait("message")
            check(msg["text"] == "hi v4" and
                  msg["peer"].startswith("127.0.0.1:"), repr(msg))
        finally:
            a.kill()
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    sys.exit(run([test_default_bind_is_dual_stack_and_says_where,
                  test_ipv4_peer_of_a_dual_stack_uvqq_is_written_ipv4,
                  test_ipv6_peer_of_a_dual_stack_uvqq,
                  test_plain_ipv4_text_peer_reaches_a_dual_stack_uvqq,
                  test_ipv4_only_socket_says_why_it_cannot_reach_ipv6,
                  test_dual_stack_whatever_bindv6only_says]))
