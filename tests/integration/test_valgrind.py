"""test_valgrind.py: a headless session under valgrind's memcheck (chat,
a long message, a peer going away, a plain peer, errors, quit) reports no
invalid access and no leak."""
import os
import shutil
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Uvqq, PlainPeer, check, run  # noqa: E402

SLOW = 60


def test_memcheck_clean_session():
    check(shutil.which("valgrind") is not None,
          "valgrind is not installed (apt-get install valgrind)")
    b = Uvqq(nick="bob")
    plain = PlainPeer()
    a = Uvqq("--heartbeat", "200", nick="alice", wrapper=[
        "valgrind", "-q", "--leak-check=full", "--error-exitcode=99",
        "--show-leak-kinds=definite,indirect,possible",
        "--errors-for-leak-kinds=definite,indirect,possible"])
    try:
        a.send("/peer %s bob" % b.addr)
        a.wait("peer", peer=b.addr, state="online", timeout=SLOW)
        a.send("你好 bob")
        a.send("长" * 20000)                  # 60 KB: 55 fragments
        check(b.wait("message", timeout=SLOW)["text"] == "你好 bob", "short")
        check(len(b.wait("message", timeout=SLOW)["text"]) == 20000, "long")
        b.send("/peer %s" % a.addr)
        b.send("hi alice")
        a.wait("message", timeout=SLOW)
        for line in ("/nick 爱丽丝", "/peers", "/stats", "/bogus", "/help",
                     "/peer bad", "/msg nobody x"):
            a.send(line)
        b.kill()                              # goes away without BYE
        a.wait("peer", peer=b.addr, state="offline", timeout=SLOW)
        a.send("are you there?")
        a.send("/peer %s" % plain.addr)
        a.wait("peer", peer=plain.addr, kind="plain", timeout=SLOW)
        plain.probes()
        a.send("to the plain peer")
        check(plain.recv(timeout=SLOW)[0] == "to the plain peer", "plain")
        plain.sendto("back from plain", a.port)
        a.wait("message", timeout=SLOW, text="back from plain")
        rc = a.quit(timeout=SLOW)
        err = a.proc.stderr.read().decode()
        check(rc == 0, "valgrind found errors (exit %d):\n%s" % (rc, err))
        a.wait("failed", timeout=5)           # "are you there?" at quit
    finally:
        a.kill()
        b.kill()
        plain.close()


if __name__ == "__main__":
    sys.exit(run([test_memcheck_clean_session]))
