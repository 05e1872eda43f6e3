"""test_notify.py: notifications of the full-screen front end, in tmux:
the bell, the terminal's own (OSC 777 through tmux's passthrough), the
desktop's (a fake notify-send), and the terminal's focus reports.

usage: test_notify.py UVQQ
"""
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time

from tui import TIMEOUT, Term, TestFailure, check, peer, run
from test_tui import TIME, peer_row, start_chat

WIDE = 160                          # no line of ours wraps
FOCUS_OUT = ("1b", "5b", "4f")     # \e[O
FOCUS_IN = ("1b", "5b", "49")      # \e[I


def wait_file(path, pred, what, timeout=TIMEOUT):
    """Until pred(the bytes of path) is true; returns those bytes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            data = b""
        if pred(data):
            return data
        if time.monotonic() > deadline:
            raise TestFailure("timed out waiting for %s in %s: %r" %
                              (what, path, data[-400:]))
        time.sleep(0.05)


def wait_stopped(pid, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        if time.monotonic() > deadline:
            raise TestFailure("uvqq is not stopped: %s" % state)
        time.sleep(0.02)


def hide(t):
    """Put another tmux window in front of uvqq's, and clear its bell
    flag: from now on a bell in uvqq shows as #{window_bell_flag}."""
    if t.tmux("list-windows", "-F", "#{window_index}").count("\n") == 0:
        t.tmux("new-window", "-d")
    # Selecting a window clears its flags.
    t.tmux("select-window", "-t", ":1")
    t.tmux("select-window", "-t", ":0")
    t.tmux("select-window", "-t", ":1")
    check(t.fmt("#{window_bell_flag}") == "0", "the bell flag stayed")


def focus(t, report):
    """Send a focus report and wait until uvqq has read it: it reads the
    "x" sent after it (which then goes again)."""
    t.keys("-H", *report, "78")
    t.wait_for(lambda ls: ls[-1].endswith("x"), "the x after the report")
    t.keys("BSpace")
    t.wait_for(lambda ls: not ls[-1].endswith("x"), "the x to go")


def bell_flag(t):
    return t.fmt("#{window_bell_flag}")


def say(t, line):
    t.type(line)
    t.keys("Enter")


def join(uvqq, t, nick, n, text):
    """A new peer that says text to the UI, in conversation n (hidden)."""
    p = peer(uvqq, nick)
    p.send("/peer " + t.addr)
    p.send(text)
    t.wait(peer_row(n, nick, r"\d+"))
    return p


# focus --------------------------------------------------------------------

def test_focus_reports_on_while_running_off_at_exit_and_suspend(uvqq):
    d = tempfile.mkdtemp(prefix="uvqq-notify-")
    log = os.path.join(d, "out")
    # Under a shell: tmux itself continues a stopped child of its own.
    t = Term(uvqq, log=log, shell=True)
    try:
        wait_file(log, lambda b: b"\x1b[?1004h" in b, "focus reports on")
        # Focus reports are never typed text.
        t.type("abc")
        t.keys("-H", *FOCUS_OUT)
        t.keys("-H", *FOCUS_IN)
        t.type("d")
        t.wait(r"^\[status\] abcd$")
        # Suspended from outside: reports off until it is continued.
        os.kill(t.pid, signal.SIGTSTP)
        wait_file(log, lambda b: b"\x1b[?1004l" in b, "reports off")
        wait_stopped(t.pid)
        os.kill(t.pid, signal.SIGCONT)
        wait_file(log, lambda b: b.count(b"\x1b[?1004h") == 2,
                  "reports on again")
        t.wait(r"^\[status\] abcd$")
        t.wait(r"^\[alice@127\.0\.0\.1:\d+\]")
        t.keys("C-u")
        say(t, "/quit")
        t.wait(r"^\[exited 0\]")
        data = wait_file(log, lambda b: b.count(b"\x1b[?1004l") == 2,
                         "reports off at exit")
        check(data.rfind(b"\x1b[?1004l") > data.rfind(b"\x1b[?1004h"),
              "reports left on")
    finally:
        t.close()
        shutil.rmtree(d, ignore_errors=True)


def test_bell_for_hidden_conversations_and_any_while_unfocused(uvqq):
    t, bob = start_chat(uvqq, cols=WIDE)
    carol = None
    try:
        say(t, "/set notify bell")
        t.wait(r"notifications: the bell\s")
        t.wait(r"notify = bell")
        hide(t)
        # Shown and focused: no bell.
        bob.send("b1")
        t.wait(TIME + r"bob \| b1")
        check(bell_flag(t) == "0", "rang for the conversation shown")
        # Not focused: the conversation shown rings too.
        focus(t, FOCUS_OUT)
        bob.send("b2")
        t.wait(TIME + r"bob \| b2")
        t.wait_fmt("#{window_bell_flag}", "1")
        check(not re.search(r"\[O|\^\[", t.input_line()),
              "a focus report reached the input line: %r" %
              t.input_line())
        # Focused again: quiet for it, not for a hidden one.
        focus(t, FOCUS_IN)
        hide(t)
        bob.send("b3")
        t.wait(TIME + r"bob \| b3")
        check(bell_flag(t) == "0", "rang when focused again")
        carol = join(uvqq, t, "carol", 2, "c1")
        t.wait_fmt("#{window_bell_flag}", "1")
        # Our own lines never ring.
        hide(t)
        say(t, "my own line")
        t.wait(TIME + "alice \u2713 my own line")
        check(bell_flag(t) == "0", "our own message rang")
    finally:
        for p in (bob, carol):
            if p is not None:
                p.kill()
        t.close()


# terminal -----------------------------------------------------------------

def test_terminal_notifications_go_through_tmux_passthrough(uvqq):
    d = tempfile.mkdtemp(prefix="uvqq-notify-")
    log = os.path.join(d, "out")
    t, bob = start_chat(uvqq, log=log, cols=WIDE,
                        options=[("allow-passthrough", "on")])
    carol = dave = None
    try:
        say(t, "/set notify terminal")
        t.wait(r"notifications: the terminal's own \(OSC 777 through "
               r"tmux's passthrough\)")
        # A peer cannot break out of the OSC string: ESC, BEL, C1 go.
        carol = join(uvqq, t, "carol", 2,
                     "c1 \x1b]777;notify;pwned;x\x07 \u009c done")
        want = (b"\x1bPtmux;\x1b\x1b]777;notify;uvqq: carol;"
                b"c1 ]777;notify;pwned;x  done\x07\x1b\\")
        wait_file(log, lambda b: want in b, "carol's notification")
        # A flood from carol: nothing more for a while.
        for i in range(2, 12):
            carol.send("c%d" % i)
        t.wait(peer_row(2, "carol", "11"))
        # The conversation shown, focused: no notification.
        bob.send("b-visible")
        t.wait(TIME + r"bob \| b-visible")
        dave = join(uvqq, t, "dave", 3, "d1")
        data = wait_file(log, lambda b: b"uvqq: dave;d1\x07" in b,
                         "dave's notification")
        check(b"uvqq: bob" not in data, "the shown conversation notified")
        # Ten messages in well under five seconds: one more at most.
        check(data.count(b"uvqq: carol") <= 2,
              "carol's flood notified %d times" %
              data.count(b"uvqq: carol"))
        # The screen is whole: the sequences moved nothing.
        t.wait(r"^\[alice@127\.0\.0\.1:\d+\] \[1:bob online enc\] \[act: "
               r"2:carol\(11\),3:dave\(1\)\]$")
        t.wait(TIME + r"bob \| b-visible")
    finally:
        for p in (bob, carol, dave):
            if p is not None:
                p.kill()
        t.close()
        shutil.rmtree(d, ignore_errors=True)


def test_terminal_notifications_without_passthrough_ring(uvqq):
    d = tempfile.mkdtemp(prefix="uvqq-notify-")
    log = os.path.join(d, "out")
    t, bob = start_chat(uvqq, log=log, cols=WIDE)
    carol = None
    try:
        say(t, "/set notify terminal")
        t.wait(r"notifications: the bell \(tmux passes no notification "
               r"through: set -g allow-passthrough on\)")
        hide(t)
        carol = join(uvqq, t, "carol", 2, "c1")
        t.wait_fmt("#{window_bell_flag}", "1")
        with open(log, "rb") as f:
            check(b"]777;" not in f.read(), "an OSC went to tmux")
    finally:
        for p in (bob, carol):
            if p is not None:
                p.kill()
        t.close()
        shutil.rmtree(d, ignore_errors=True)


# desktop ------------------------------------------------------------------

def fake_notify_send(d):
    """A notify-send that writes its arguments, one a line, and "---"."""
    calls = os.path.join(d, "calls")
    path = os.path.join(d, "notify-send")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                "for a in \"$@\"; do printf '%%s\\n' \"$a\"; done >> '%s'\n"
                "echo --- >> '%s'\n" % (calls, calls))
    os.chmod(path, stat.S_IRWXU)
    return calls


def calls_of(data):
    return [c.strip("\n").split("\n") for c in
            data.decode().split("---\n") if c.strip()]


def test_desktop_notifications_run_notify_send(uvqq):
    d = tempfile.mkdtemp(prefix="uvqq-notify-")
    calls = fake_notify_send(d)
    env = {"PATH": d + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
           "DISPLAY": ":99"}
    t, bob = start_chat(uvqq, env=env, cols=WIDE)
    carol = dave = None
    try:
        # By default (auto): no terminal tmux lets notifications out to,
        # so the desktop's; bob said hello while the status window was
        # shown.
        data = wait_file(calls, lambda b: b"---" in b, "notify-send")
        check(calls_of(data) == [["--app-name=uvqq",
                                  "--category=im.received", "--",
                                  "uvqq: bob", "hello from bob"]],
              "notify-send was given %r" % calls_of(data))
        say(t, "/set notify auto")
        t.wait(r"notifications: the desktop's \(%s\)" %
               re.escape(os.path.join(d, "notify-send")))
        hide(t)
        carol = join(uvqq, t, "carol", 2, "c1 <b>bold</b> & 你好")
        data = wait_file(calls, lambda b: b"carol" in b, "notify-send")
        check(calls_of(data)[1] == ["--app-name=uvqq",
                                    "--category=im.received", "--",
                                    "uvqq: carol",
                                    "c1 &lt;b&gt;bold&lt;/b&gt; &amp; 你好"],
              "notify-send was given %r" % calls_of(data))
        bob.send("b-visible")
        t.wait(TIME + r"bob \| b-visible")
        for i in range(2, 12):
            carol.send("c%d" % i)
        t.wait(peer_row(2, "carol", "11"))
        dave = join(uvqq, t, "dave", 3, "d1")
        data = wait_file(calls, lambda b: b"uvqq: dave" in b,
                         "dave's notification")
        titles = [c[3] for c in calls_of(data)]
        check(titles.count("uvqq: bob") == 1,
              "the shown conversation notified: %r" % calls_of(data))
        # Within five seconds of the first, carol's flood is one at most.
        check(titles.count("uvqq: carol") <= 2, "carol's flood: %r" %
              titles)
        check(bell_flag(t) == "0", "the bell rang as well")
    finally:
        for p in (bob, carol, dave):
            if p is not None:
                p.kill()
        t.close()
        shutil.rmtree(d, ignore_errors=True)


def test_notify_option_is_listed_and_checked(uvqq):
    t = Term(uvqq, cols=WIDE)
    try:
        say(t, "/set notify loud")
        t.wait(r"notify: auto, off, bell, terminal or desktop, not loud")
        say(t, "/set")
        t.wait(r"notify = auto")
        t.wait(r"bell = on")
        say(t, "/set bell off")
        say(t, "/set notify bell")
        t.wait(r"notifications off \(the bell is off: /set bell on\)")
    finally:
        t.close()


TESTS = [
    test_focus_reports_on_while_running_off_at_exit_and_suspend,
    test_bell_for_hidden_conversations_and_any_while_unfocused,
    test_terminal_notifications_go_through_tmux_passthrough,
    test_terminal_notifications_without_passthrough_ring,
    test_desktop_notifications_run_notify_send,
    test_notify_option_is_listed_and_checked,
]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    return run(TESTS, os.path.abspath(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
