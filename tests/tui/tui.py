"""tui.py: drive the full-screen uvqq in a real terminal (a private tmux
server), with headless uvqq processes as the other peers.

Everything waits on the screen with a deadline; nothing sleeps and hopes.
"""
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import sys
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import TestFailure, check  # noqa: E402

TIMEOUT = float(os.environ.get("UVQQ_TEST_TIMEOUT", "10"))
_servers = itertools.count()


def width(s):
    """Columns of s in a terminal: wide and fullwidth take two."""
    cols = 0
    for ch in s:
        if unicodedata.combining(ch) or ch in "\u200d\ufe0f":
            continue
        cols += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cols


class Term:
    """One tmux server of our own, one pane running the full-screen uvqq."""

    def __init__(self, uvqq, args=(), cols=80, rows=24, nick="alice",
                 shell=False, data_dir=None, env=None, options=(),
                 log=None):
        """With shell, uvqq runs under a shell that says "[exited N]"
        afterwards, so the screen after the exit can be read. data_dir:
        where its history lives, kept by close() so that a later Term can
        start on it; by default a new directory, removed by close().
        env: more variables for uvqq (its tmux server's environment);
        options: (name, value) global tmux options set before it starts;
        log: a file that gets everything uvqq writes to the terminal,
        from its first byte (tmux's pipe-pane)."""
        if shutil.which("tmux") is None:
            raise TestFailure("tmux is not installed: the full-screen "
                              "tests need it (apt-get install tmux)")
        # A name never used before: a server being killed may linger.
        self.sock = "uvqq-tui-%d-%d-%s" % (os.getpid(), next(_servers),
                                           os.urandom(4).hex())
        self.pane = None
        self.own_dir = None
        if data_dir is None:
            data_dir = self.own_dir = tempfile.mkdtemp(prefix="uvqq-tui-")
        self.data_dir = data_dir
        cmd = ("%s --port 0 --bind 127.0.0.1 --nick %s --no-config "
               "--data-dir %s %s" % (uvqq, nick, self.data_dir,
                                     " ".join(args)))
        if shell:
            cmd = 'echo before; %s; echo "[exited $?]"; exec sleep 60' % cmd
        else:
            cmd = "exec " + cmd
        extra_env = env or {}
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.pop("TMUX", None)
        # No desktop: notifications go where a test says.
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        env.update(extra_env)
        self.env = env
        opts = []
        for name, value in options:
            opts += ["set-option", "-g", name, value, ";"]
        # pipe-pane in the same command list as new-session: before tmux
        # reads a byte from the pane.
        pipe = [";", "pipe-pane", "-O", "cat >> '%s'" % log] if log else []
        self.tmux("start-server", ";",
                  "set-option", "-g", "default-terminal", "tmux-256color",
                  ";", "set-option", "-g", "remain-on-exit", "on", ";",
                  "set-option", "-g", "history-limit", "0", ";", *opts,
                  "new-session", "-d", "-x", str(cols), "-y", str(rows),
                  "-e", "LANG=C.UTF-8", "-e", "LC_ALL=C.UTF-8", cmd, *pipe)
        try:
            # Our pane by its id: reads and keys reach it in any window.
            self.pane = self.tmux("display-message", "-p", "#{pane_id}")
            self.pid = int(self.tmux("display-message", "-p", "-t",
                                     self.pane, "#{pane_pid}"))
            if shell:
                self.pid = self._child(self.pid)
            line = self.wait(r"\[%s@(127\.0\.0\.1:\d+)\]" %
                             re.escape(nick))
        except BaseException:
            self.close()
            raise
        self.addr = re.search(r"@(127\.0\.0\.1:\d+)\]", line).group(1)

    @staticmethod
    def _child(pid):
        deadline = time.monotonic() + TIMEOUT
        path = "/proc/%d/task/%d/children" % (pid, pid)
        while time.monotonic() < deadline:
            with open(path) as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
            time.sleep(0.05)
        raise TestFailure("uvqq did not start under the shell")

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                           list(args), env=self.env, capture_output=True,
                           timeout=TIMEOUT)
        if r.returncode != 0:
            raise TestFailure("tmux %s: %s" % (args[0], r.stderr.decode()))
        return r.stdout.decode("utf-8", "replace").rstrip("\n")

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null",
                        "kill-server"], capture_output=True, env=self.env)
        if self.own_dir is not None:
            shutil.rmtree(self.own_dir, ignore_errors=True)

    def quit(self, sig=None):
        """End uvqq (with /quit, or the signal) and wait until it has
        exited, so its history is closed for the next Term."""
        if sig is None:
            self.type("/quit")
            self.keys("Enter")
        else:
            os.kill(self.pid, sig)
        self.wait_fmt("#{pane_dead}", "1", target=self.pane)

    def _target(self):
        return ["-t", self.pane] if self.pane is not None else []

    def screen(self):
        return self.tmux("capture-pane", "-p",
                         *self._target()).split("\n")

    def text(self):
        return "\n".join(self.screen())

    def fmt(self, f, target=None):
        if target is None:
            target = self.pane
        if target is not None:
            return self.tmux("display-message", "-p", "-t", target, f)
        return self.tmux("display-message", "-p", f)

    def cursor(self):
        x, y = self.fmt("#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def keys(self, *keys):
        self.tmux("send-keys", *self._target(), *keys)

    def type(self, s):
        self.tmux("send-keys", *self._target(), "-l", s)

    def resize(self, cols, rows):
        self.tmux("resize-window", "-x", str(cols), "-y", str(rows))

    def wait_resized(self, cols, rows):
        """Until uvqq has redrawn for the new size: its status line is
        second from the bottom and the peer list where it belongs."""
        def done(lines):
            if len(lines) != rows or not lines[-2].startswith("[alice"):
                return False
            return cols < 60 or all(len(x) > 0 for x in lines[:-2])
        self.wait_for(done, "a redraw at %dx%d" % (cols, rows))

    def wait_for(self, pred, what, timeout=TIMEOUT):
        """Poll the screen until pred(lines) is true; return its value.
        A frame may reach tmux in several writes: the screen must also
        be the same a moment later, so checks never see half a frame."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            lines = self.screen()
            v = pred(lines)
            if v and (lines == last or time.monotonic() > deadline):
                return v
            if time.monotonic() > deadline:
                raise TestFailure("timed out waiting for %s; screen:\n%s" %
                                  (what, "\n".join(lines)))
            last = lines if v else None
            time.sleep(0.02 if v else 0.05)

    def wait(self, pattern, timeout=TIMEOUT):
        """The first screen line matching the regular expression."""
        rx = re.compile(pattern)

        def find(lines):
            for line in lines:
                if rx.search(line):
                    return line
            return None
        return self.wait_for(find, repr(pattern), timeout)

    def wait_gone(self, pattern, timeout=TIMEOUT):
        rx = re.compile(pattern)
        self.wait_for(lambda ls: not any(rx.search(x) for x in ls),
                      "%r to go away" % pattern, timeout)

    def wait_cursor(self, x, y=None, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            cx, cy = self.cursor()
            if cx == x and (y is None or cy == y):
                return
            if time.monotonic() > deadline:
                raise TestFailure("cursor at %d,%d, expected %s,%s; "
                                  "screen:\n%s" % (cx, cy, x, y,
                                                   self.text()))
            time.sleep(0.05)

    def wait_fmt(self, f, value, timeout=TIMEOUT, target=None):
        deadline = time.monotonic() + timeout
        while True:
            v = self.fmt(f, target)
            if v == value:
                return
            if time.monotonic() > deadline:
                raise TestFailure("%s is %r, expected %r; screen:\n%s" %
                                  (f, v, value, self.text()))
            time.sleep(0.05)

    def input_line(self):
        return self.screen()[-1]

    def status_line(self):
        return self.screen()[-2]


def peer(uvqq, nick, data_dir=None):
    harness.UVQQ = uvqq
    return harness.Uvqq(nick=nick, data_dir=data_dir)


def run(tests, uvqq):
    passed = failed = 0
    for t in tests:
        start = time.monotonic()
        try:
            t(uvqq)
            passed += 1
            print("ok   %s (%.2fs)" % (t.__name__, time.monotonic() - start))
        except Exception as e:   # a failure of any kind fails that test
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
