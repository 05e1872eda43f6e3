"""test_plain.py: uvqq with plain UDP text peers: the seed's QQ chat, its
echo server and its client, and a bare socket that behaves like them."""
import os
import socket
import subprocess
import sys
import threading
import queue
import time
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Uvqq, PlainPeer, check, run, TestFailure, TIMEOUT, \
    free_port, wait_udp_bound  # noqa


class SeedQQ:
    """The seed's 模仿QQ program, driven through its stdin and stdout."""

    def __init__(self, dest_port):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "seed_qq.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=dict(os.environ,
                                             PYTHONIOENCODING="utf-8"))
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.type("%d\n127.0.0.1\n%d" % (self.port, dest_port))
        wait_udp_bound(self.port)

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8"))
        self.lines.put(None)

    def type(self, text):
        self.proc.stdin.write((text + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def received(self, timeout=TIMEOUT):
        """The text of the next '(ip, port)<<:text' line it printed."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline -
                                                  time.monotonic()))
            except queue.Empty:
                raise TestFailure("seed QQ printed nothing")
            if line is None:
                raise TestFailure("seed QQ died: %s" %
                                  self.proc.stderr.read().decode())
            if "<<:" in line:
                return line.split("<<:", 1)[1].rstrip("\n")

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def test_chat_with_the_seed_qq_program():
    u = Uvqq(nick="alice")
    qq = SeedQQ(u.port)
    try:
        u.send("/peer 127.0.0.1:%d" % qq.port)
        probe = qq.received()
        check("alice" in probe and "uvqq" in probe,
              "the probe reads as a greeting: %r" % probe)
        ev = u.wait("peer", peer="127.0.0.1:%d" % qq.port, state="online")
        check(ev["kind"] == "plain", "silence means plain: %r" % ev)
        u.send("你好，我是 uvqq")
        # The probe is repeated a few times, all before the plain verdict.
        probes = 1
        while (line := qq.received()).startswith("uvqq/1 HELLO"):
            probes += 1
        check(probes <= 5, "%d greetings" % probes)
        check(line == "你好，我是 uvqq", "bare text reaches QQ")
        qq.type("收到，我是 Python")
        msg = u.wait("message")
        check(msg["text"] == "收到，我是 Python" and msg["kind"] == "plain",
              repr(msg))
        check("id" not in msg, "plain messages carry no id")
        u.send("second line")
        check(qq.received() == "second line",
              "nothing but what is typed reaches a plain peer")
        check(u.quit() == 0, "exit 0")
        check(not [e for e in u.seen if e["event"] == "failed"],
              "no failures")
    finally:
        qq.kill()
        u.kill()


def test_plain_peer_sees_only_the_probe_and_typed_text():
    u = Uvqq("--heartbeat", "50", "--probe-timeout", "200")
    p = PlainPeer()
    try:
        u.send("/peer %s" % p.addr)
        probe, _ = p.recv()
        check(probe.startswith("uvqq/1 HELLO"), repr(probe))
        u.wait("peer", peer=p.addr, kind="plain")
        p.probes(most=4)
        # Many heartbeat intervals pass: a plain peer gets none of them.
        p.sock.settimeout(0.6)
        try:
            data = p.sock.recv(65536)
            raise TestFailure("plain peer got unasked data: %r" % data)
        except socket.timeout:
            pass
        u.send("only this")
        check(p.recv()[0] == "only this", "typed text arrives")
    finally:
        u.kill()
        p.close()


def test_unknown_plain_sender_becomes_a_peer():
    u = Uvqq()
    p = PlainPeer()
    try:
        p.sendto("hi from nowhere", u.port)
        ev = u.wait("peer", peer=p.addr)
        check(ev["kind"] == "plain", repr(ev))
        msg = u.wait("message")
        check(msg["text"] == "hi from nowhere" and msg["peer"] == p.addr,
              repr(msg))
        u.send("/msg %s reply" % p.addr)
        texts = [p.recv()[0] for _ in range(2)]
        check(texts[0].startswith("uvqq/1 HELLO"), "one probe back: %r"
              % texts)
        check(texts[1] == "reply", repr(texts))
    finally:
        u.kill()
        p.close()


def test_long_text_to_plain_peer_is_split_at_character_boundaries():
    u = Uvqq("--probe-timeout", "100")
    p = PlainPeer()
    try:
        u.send("/peer %s" % p.addr)
        u.wait("peer", peer=p.addr, kind="plain")
        p.probes()
        text = "汉字ab" * 500                     # 4000 bytes
        u.send(text)
        got = ""
        while len(got) < len(text):
            data, _ = p.sock.recvfrom(65536)
            check(len(data) <= 1024, "datagram of %d bytes" % len(data))
            got += data.decode()                  # raises if split badly
        check(got == text, "chunks add up to the text")
    finally:
        u.kill()
        p.close()


def test_invalid_utf8_and_escapes_from_plain_peer_are_safe():
    u = Uvqq()
    p = PlainPeer()
    try:
        p.sock.sendto(b"bad \xff\xfe byte, nul \x00 and \x1b[2J esc",
                      ("127.0.0.1", u.port))
        msg = u.wait("message")
        check(msg["text"] == "bad \ufffd\ufffd byte, nul \ufffd and "
              "\x1b[2J esc", repr(msg))
        p.sock.sendto(b"", ("127.0.0.1", u.port))
        p.sock.sendto(b"after", ("127.0.0.1", u.port))
        msgs = [u.wait("message")["text"] for _ in range(2)]
        check(msgs[-1] == "after", repr(msgs))
        # The largest UDP payload there is, and as much again of bad bytes:
        # that is binary, counted and never shown.
        p.sock.sendto(b"x" * 65507, ("127.0.0.1", u.port))
        check(u.wait("message")["text"] == "x" * 65507, "65507 bytes")
        p.sock.sendto(b"\xff" * 65507, ("127.0.0.1", u.port))
        # A mis-encoded word, many times over: each grows into a three-byte
        # U+FFFD, and the text is cut at 64 KiB, whole characters.
        p.sock.sendto(b"caf\xe9 au lait, " * 4400, ("127.0.0.1", u.port))
        text = u.wait("message")["text"]
        check(text.startswith("caf\ufffd au lait") and
              len(text.encode()) <= 65536, "%d bytes" % len(text.encode()))
        u.send("/stats")
        stats = u.wait("info", match=lambda e: "binary" in e["text"])
        check("binary 1," in stats["text"], repr(stats))
    finally:
        u.kill()
        p.close()


def test_echo_server_is_plain_and_never_looped_on():
    srv = subprocess.Popen([sys.executable,
                            os.path.join(HERE, "seed_server.py"), "0"],
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline())
    u = Uvqq()
    try:
        u.send("/peer 127.0.0.1:%d" % port)
        ev = u.wait("peer", peer="127.0.0.1:%d" % port, kind="plain")
        check(ev["state"] == "online", repr(ev))
        u.send("echo me")
        msg = u.wait("message")
        check(msg["text"] == "echo me", "the server's answer: %r" % msg)
        u.send("/peers")
        u.wait("info")
        check(len([e for e in u.seen if e["event"] == "message"]) == 1,
              "our probe is never shown, nothing loops: %r" % u.seen)
    finally:
        u.kill()
        srv.kill()
        srv.wait()


def test_default_port_receives_from_the_seed_client():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind(("127.0.0.1", 8097))
    except OSError as e:
        raise TestFailure("port 8097 is busy on this machine: %s" % e)
    probe.close()
    u = Uvqq(port=8097)
    cli = subprocess.Popen([sys.executable,
                            os.path.join(HERE, "seed_client.py")],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        check(u.addr.endswith(":8097"), "default port: %r" % u.addr)
        cli.stdin.write("你好 8097\nsecond\n".encode())
        cli.stdin.flush()
        msgs = [u.wait("message") for _ in range(2)]
        check([m["text"] for m in msgs] == ["你好 8097", "second"],
              repr(msgs))
        check(msgs[0]["kind"] == "plain", repr(msgs[0]))
    finally:
        cli.kill()
        cli.wait()
        u.kill()


def test_default_port_is_8097_without_port_option():
    import harness
    p = subprocess.Popen([harness.UVQQ, "--headless", "--bind", "127.0.0.1",
                          "--no-config", "--no-history"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        check('"addr":"127.0.0.1:8097"' in line, line)
        p.stdin.close()
        check(p.wait(timeout=10) == 0, "exit 0 on EOF")
    finally:
        p.kill()
        p.wait()


if __name__ == "__main__":
    sys.exit(run([test_chat_with_the_seed_qq_program,
                  test_plain_peer_sees_only_the_probe_and_typed_text,
                  test_unknown_plain_sender_becomes_a_peer,
                  test_long_text_to_plain_peer_is_split_at_character_boundaries,
                  test_invalid_utf8_and_escapes_from_plain_peer_are_safe,
                  test_echo_server_is_plain_and_never_looped_on,
                  test_default_port_receives_from_the_seed_client,
                  test_default_port_is_8097_without_port_option]))
