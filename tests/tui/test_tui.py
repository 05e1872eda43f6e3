"""test_tui.py: the full-screen front end, driven through tmux.

usage: test_tui.py UVQQ GROUP   (GROUP: chat, text, input, switch, scroll,
resize, exit, history, options, trust, or all)
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import time

from tui import Term, TestFailure, check, peer, run, width
import harness  # noqa: E402  (tui puts it on the path)

TIME = r"\d\d:\d\d "


def pane_part(line):
    """The message pane's part of a screen line (left of the peer list)."""
    i = line.rfind("\u2502")
    return line[:i] if i >= 0 else line


def message_rows(t, first_pattern):
    """The rows of one message: its first row and its continuation rows
    (which start with spaces), as the pane shows them."""
    lines = [pane_part(x) for x in t.screen()[:-2]]
    rx = re.compile(first_pattern)
    for i, line in enumerate(lines):
        if rx.search(line):
            rows = [line]
            for nxt in lines[i + 1:]:
                if not nxt.startswith(" ") or not nxt.strip():
                    break
                rows.append(nxt)
            return rows
    raise TestFailure("no row matches %r:\n%s" % (first_pattern,
                                                  "\n".join(lines)))


def start_chat(uvqq, nick="bob", t=None, n=1, **kw):
    """A UI and a headless peer that has greeted it; the UI shows their
    conversation (number n)."""
    mine = t is None
    t = t or Term(uvqq, **kw)
    p = None
    try:
        p = peer(uvqq, nick)
        p.send("/peer " + t.addr)
        p.send("hello from " + nick)
        t.wait(peer_row(n, nick, "1"))
        t.keys("M-%d" % n)
        t.wait(TIME + nick + r" \| hello from " + nick)
    except BaseException:
        if p is not None:
            p.kill()
        if mine:
            t.close()
        raise
    return t, p


# chat ---------------------------------------------------------------------

def test_send_receive_and_delivery_marks(uvqq):
    t = Term(uvqq)
    bob = None
    stopped = False
    try:
        bob = peer(uvqq, "bob")
        bob.send("/peer " + t.addr)
        bob.send("hello alice")
        # Not shown yet: an unread count on the status line and the list.
        t.wait(r"\[act: 1:bob\(1\)\]")
        t.wait(peer_row(1, "bob", "1"))
        t.keys("M-1")
        t.wait(r"\[1:bob online enc\]")
        t.wait("^" + TIME + r"bob \| hello alice")
        t.wait_gone(r"\[act:")
        t.type("hi bob 世界")
        t.keys("Enter")
        bob.wait("message", text="hi bob 世界", nick="alice")
        t.wait(TIME + "alice \u2713 hi bob 世界")
        # A peer that cannot answer: pending, then failed in place.
        os.kill(bob.proc.pid, signal.SIGSTOP)
        stopped = True
        t.type("are you there")
        t.keys("Enter")
        t.wait(TIME + "alice \u2026 are you there")
        t.type("/close")
        t.keys("Enter")
        t.wait(TIME + "alice \u2717 are you there")
        t.wait(r"not delivered: closed")
        t.wait(r"\[1:bob closed\]")
    finally:
        if stopped:
            os.kill(bob.proc.pid, signal.SIGCONT)
        if bob is not None:
            bob.kill()
        t.close()


def test_two_full_screen_uvqq_chat_in_chinese_and_english(uvqq):
    """Two people, two terminals, both full-screen: the issue's own test."""
    a = Term(uvqq, nick="alice")
    b = None
    try:
        b = Term(uvqq, nick="bob")
        a.type("/peer %s bob" % b.addr)
        a.keys("Enter")
        a.wait(r"\[1:bob online enc\]")
        a.type("你好 bob，今天下午喝咖啡吗？")
        a.keys("Enter")
        a.wait(TIME + "alice \u2713 你好 bob，今天下午喝咖啡吗？")
        # bob is told on his status line, then switches and answers.
        b.wait(r"\[act: 1:alice\(1\)\]")
        b.keys("M-1")
        b.wait(TIME + r"alice \| 你好 bob，今天下午喝咖啡吗？")
        b.type("great, 3 点见 see you")
        b.keys("Enter")
        b.wait(TIME + "bob \u2713 great, 3 点见 see you")
        a.wait(TIME + r"bob \| great, 3 点见 see you")
    finally:
        if b is not None:
            b.close()
        a.close()


def test_escape_characters_are_shown_visibly(uvqq):
    t, bob = start_chat(uvqq)
    try:
        bob.send_bytes("esc \x1b[31mred\x1b[0m\x07 \u009b\u202e "
                       "end\n".encode())
        line = t.wait(r"bob \| esc")
        check(r"esc ^[[31mred^[[0m^G <U+009B><U+202E> end" in line,
              "escapes not shown visibly: %r" % line)
        # Nothing reached the terminal: no red, and the screen is intact.
        raw = t.tmux("capture-pane", "-p", "-e")
        check("\x1b[31mred" not in raw, "an escape reached the terminal")
        t.wait(r"\[alice@127\.0\.0\.1:\d+\] \[1:bob online enc\]")
    finally:
        bob.kill()
        t.close()


def test_paste_of_several_lines_is_one_message(uvqq):
    t, bob = start_chat(uvqq)
    try:
        t.tmux("set-buffer", "-b", "p", "line one\nline two")
        t.tmux("paste-buffer", "-p", "-b", "p")
        t.wait(r"\[bob\] line one\^Jline two$")
        t.keys("Enter")
        bob.wait("message", text="line one\nline two")
        rows = message_rows(t, TIME + "alice . line one")
        check(len(rows) == 2 and rows[1].strip() == "line two",
              "a pasted message is not two rows: %r" % rows)
    finally:
        bob.kill()
        t.close()


# text ---------------------------------------------------------------------

def test_cjk_and_emoji_wrap_by_display_width(uvqq):
    t, bob = start_chat(uvqq)
    try:
        han = "".join(chr(0x4e00 + i) for i in range(50))
        bob.send("cjk " + han)
        t.wait(r"bob \| cjk")
        rows = message_rows(t, r"bob \| cjk")
        for r in rows:
            check(width(r) <= 60, "row wider than the pane: %r" % r)
        body = "".join(r.strip() for r in rows)
        check(body.endswith("cjk " + han) or
              body.split("| ", 1)[1] == "cjk" + han,
              "wrapped text lost or cut characters: %r" % rows)
        got = "".join(ch for ch in body if ord(ch) >= 0x4e00)
        check(got == han, "characters cut in half or lost: %r" % rows)
        check(len(rows) >= 3, "104 columns in a 60-column pane: %r" % rows)
        # Continuation rows align under the text.
        indent = rows[0].index("cjk")
        for r in rows[1:]:
            check(len(r) - len(r.lstrip(" ")) == indent,
                  "continuation not aligned: %r" % rows)

        words = " ".join(["hello", "world"] * 12)
        bob.send(words)
        t.wait(r"bob \| hello world")
        rows = message_rows(t, r"bob \| hello world")
        for r in rows:
            for w in r.split("|")[-1].split():
                check(w in ("hello", "world"), "a word was split: %r" %
                      rows)

        bob.send("caf\u0065\u0301 \U0001f44d\U0001f3fd ok \u4e2d end")
        line = t.wait(r"bob \| caf")
        check("cafe\u0301 " in line, "combining mark lost: %r" % line)
        check(pane_part(line).rstrip().endswith("ok \u4e2d end"),
              "after emoji: %r" % line)
        check(width(pane_part(line)) <= 60, "emoji row too wide")
        # Joined emoji never move what follows them, nor the peer list.
        bob.send("fam \U0001F468\u200D\U0001F469\u200D\U0001F467 x "
                 "\u2764\ufe0f y \U0001F1E8\U0001F1F3 z")
        t.wait(r"bob \| fam")
        for line in t.screen()[:-2]:
            check(width(line[:line.rfind("\u2502")]) == 60,
                  "the peer list moved: %r" % line)
    finally:
        bob.kill()
        t.close()


# input --------------------------------------------------------------------

PROMPT = len("[status] ")


def test_input_line_cjk_cursor_and_backspace(uvqq):
    t = Term(uvqq)
    try:
        t.wait_cursor(PROMPT, 23)
        t.type("你好世界")
        t.wait(r"^\[status\] 你好世界$")
        t.wait_cursor(PROMPT + 8)
        t.keys("BSpace")
        t.wait(r"^\[status\] 你好世$")
        t.wait_cursor(PROMPT + 6)
        t.keys("Left", "Left")
        t.wait_cursor(PROMPT + 2)
        t.type("a")
        t.wait(r"^\[status\] 你a好世$")
        t.wait_cursor(PROMPT + 3)
        t.keys("Delete")
        t.wait(r"^\[status\] 你a世$")
        t.keys("C-e")
        t.wait_cursor(PROMPT + 5)
        t.keys("C-a")
        t.wait_cursor(PROMPT)
        t.keys("C-f", "C-f")
        t.wait_cursor(PROMPT + 3)
        t.keys("C-b")
        t.wait_cursor(PROMPT + 2)
        t.keys("C-k")
        t.wait(r"^\[status\] 你$")
        t.keys("C-y")
        t.wait(r"^\[status\] 你a世$")
        t.keys("C-a", "C-k")
        t.type("one two 三四")
        t.keys("C-w")
        t.wait(r"^\[status\] one two$")   # capture-pane trims spaces
        t.wait_cursor(PROMPT + 8)
        t.keys("C-w")
        t.wait(r"^\[status\] one$")
        t.wait_cursor(PROMPT + 4)
        t.keys("C-y")
        t.wait(r"^\[status\] one two 三四$")
        t.keys("M-b")
        t.wait_cursor(PROMPT + 8)
        t.keys("M-b")
        t.wait_cursor(PROMPT + 4)
        t.keys("M-f")
        t.wait_cursor(PROMPT + 7)
        t.keys("C-Left")
        t.wait_cursor(PROMPT + 4)
        t.keys("C-Right")
        t.wait_cursor(PROMPT + 7)
        t.keys("C-u")
        t.wait(r"^\[status\]  三四$")
        t.wait_cursor(PROMPT)
    finally:
        t.close()


def test_long_input_scrolls_sideways(uvqq):
    t = Term(uvqq)
    try:
        han = "".join(chr(0x4e00 + i) for i in range(60))
        t.type(han)
        t.wait(r"\u4e3b$")             # the last of them shows
        line = t.input_line()
        shown = line[PROMPT:]
        check(width(line) <= 80, "input line too wide: %r" % line)
        check(han.endswith(shown), "not a tail of the input: %r" % shown)
        t.wait_cursor(PROMPT + width(shown), 23)
        x, _ = t.cursor()
        check(x < 80, "cursor off the screen")
        t.keys("Home")
        t.wait(r"^\[status\] \u4e00\u4e01")
        t.wait_cursor(PROMPT)
        shown = t.input_line()[PROMPT:]
        check(han.startswith(shown), "not the head: %r" % shown)
        check(width(t.input_line()) <= 80, "no half characters")
        t.keys("End")
        t.wait(r"\u4e3b$")
        t.keys("BSpace")
        t.wait(r"\u4e3a$")
    finally:
        t.close()


def test_history_and_completion(uvqq):
    t = Term(uvqq)
    try:
        t.type("/help quit")
        t.keys("Enter")
        t.wait(r"\* /quit")
        t.type("/nick")
        t.keys("Enter")
        t.wait(r"your nick is alice")
        t.type("draft")
        t.keys("Up")
        t.wait(r"^\[status\] /nick$")
        t.keys("Up")
        t.wait(r"^\[status\] /help quit$")
        t.keys("Up")
        t.wait(r"^\[status\] /help quit$")
        t.keys("Down")
        t.wait(r"^\[status\] /nick$")
        t.keys("Down")
        t.wait(r"^\[status\] draft$")
        t.keys("C-u")
        t.type("/he")
        t.keys("Tab")
        t.wait(r"^\[status\] /help$")
        t.wait_cursor(PROMPT + 6)
        t.keys("C-u")
        t.type("/pe")
        t.keys("Tab")
        t.wait(r"^\[status\] /peer$")
        t.wait_cursor(PROMPT + 6)
        t.keys("Tab")
        t.wait(r"^\[status\] /peers$")
        t.wait_cursor(PROMPT + 7)
        t.keys("Tab")
        t.wait(r"^\[status\] /peer$")
    finally:
        t.close()


# switch -------------------------------------------------------------------

def test_switching_peers_and_unread_counts(uvqq):
    t = Term(uvqq)
    bob = carol = None
    try:
        t, bob = start_chat(uvqq, "bob", t=t)
        bob.send("b1")
        t.wait(TIME + r"bob \| b1")
        t.keys("M-0")
        t.wait(r"\[0:status\]$")
        carol = peer(uvqq, "carol")
        carol.send("/peer " + t.addr)
        carol.send("c1")
        t.wait(peer_row(2, "carol", "1"))
        # The UI's window is not the one on screen: the bell is heard.
        t.tmux("new-window", "-d")
        t.tmux("select-window", "-t", ":1")
        # Bells so far (bell on) flagged it; coming back clears that.
        t.tmux("select-window", "-t", ":0")
        t.tmux("select-window", "-t", ":1")
        check(t.fmt("#{window_bell_flag}") == "0", "the flag stayed")
        carol.send("c2")
        t.wait_fmt("#{window_bell_flag}", "1", target=":0")
        t.tmux("select-window", "-t", ":0")
        bob.send("b2")
        t.wait(r"\[act: 1:bob\(1\),2:carol\(2\)\]")
        t.wait(peer_row(2, "carol", "2"))
        t.keys("M-2")
        t.wait(r"\[2:carol online enc\] \[act: 1:bob\(1\)\]$")
        t.wait(TIME + r"carol \| c2")
        t.type("hi carol")
        t.keys("Enter")
        carol.wait("message", text="hi carol")
        t.wait(TIME + "alice \u2713 hi carol")
        check("talking to" not in t.text(),
              "switching wrote into the conversation")
        t.keys("C-p")
        t.wait(r"\[1:bob online enc\]$")
        t.type("hi bob")
        t.keys("Enter")
        bob.wait("message", text="hi bob")
        t.keys("C-n")
        t.wait(r"\[2:carol online enc\]$")
        t.keys("C-n")
        t.wait(r"\[0:status\]$")
        t.type("oops")
        t.keys("Enter")
        t.wait(r"! status window: switch to a conversation with")
        t.type("/msg ca")
        t.keys("Tab")                   # peer names complete too
        t.wait(r"^\[status\] /msg carol$")
        t.type("direct")
        t.keys("Enter")
        carol.wait("message", text="direct")
        # /peer typed by hand switches too.
        t.type("/peer bob")
        t.keys("Enter")
        t.wait(r"\[1:bob online enc\]$")
    finally:
        for p in (bob, carol):
            if p is not None:
                p.kill()
        t.close()


# scroll -------------------------------------------------------------------

def visible_numbers(t):
    return [int(m.group(1)) for m in
            (re.search(r"bob \| line (\d+)", x) for x in t.screen())
            if m]


def test_scrollback(uvqq):
    t, bob = start_chat(uvqq)
    try:
        for i in range(1, 61):
            bob.send("line %02d" % i)
        t.wait(r"bob \| line 60\b")
        t.keys("PPage")
        t.wait(r"^-- more below --")
        t.wait_gone(r"line 60")
        nums = visible_numbers(t)
        check(nums == list(range(nums[0], nums[0] + len(nums))),
              "rows out of order: %r" % nums)
        bottom = nums[-1]
        check(30 <= bottom <= 45, "PgUp moved to %d" % bottom)
        bob.send("line 61")
        t.wait(r"^-- more below \(1 new\) --")
        check(visible_numbers(t)[-1] == bottom, "new line moved the view")
        # A resize keeps the place.
        t.resize(70, 20)
        t.wait_resized(70, 20)
        t.wait(r"^-- more below \(1 new\) --")
        check(visible_numbers(t)[-1] == bottom, "resize lost the place")
        t.resize(80, 24)
        t.wait_resized(80, 24)
        check(visible_numbers(t)[-1] == bottom, "resize lost the place")
        for _ in range(5):
            t.keys("PPage")
        t.wait(r"bob \| line 01\b")
        check(visible_numbers(t)[0] == 1, "the oldest line is not at the top")
        for _ in range(6):
            t.keys("NPage")
        t.wait_gone(r"^-- more below")
        t.wait(r"bob \| line 61\b")
        # The mouse wheel, as tmux-256color reports it (X10 encoding).
        t.type("\x1b[M`++")
        t.wait(r"^-- more below --")
        t.wait_gone(r"line 61")
        t.type("\x1b[Ma++")
        t.wait_gone(r"^-- more below")
        t.wait(r"bob \| line 61\b")
        check(t.input_line() == "[bob]", "mouse reports reached the input")
    finally:
        bob.kill()
        t.close()


# history ------------------------------------------------------------------

def peer_row(n, label, tail):
    """A row of the peer list (an encrypted conversation's ends in a
    lock)."""
    return r"\u2502 %d %s %s\s*(?:\U0001F512)?$" % (n, label, tail)


def test_history_replay_after_restart(uvqq):
    data = tempfile.mkdtemp(prefix="uvqq-tui-")
    t = bob = None
    stopped = False
    try:
        t, bob = start_chat(uvqq, data_dir=data)
        t.type("hi bob")
        t.keys("Enter")
        bob.wait("message", text="hi bob")
        t.wait(TIME + "alice \u2713 hi bob")
        bob.send("how are you")
        t.wait(TIME + r"bob \| how are you")
        # Bob cannot answer: the next one is kept for later at the end.
        os.kill(bob.proc.pid, signal.SIGSTOP)
        stopped = True
        t.type("are you there")
        t.keys("Enter")
        t.wait(TIME + "alice \u2026 are you there")
        t.quit(signal.SIGTERM)
        t.close()

        t = Term(uvqq, data_dir=data)
        # The conversation is back, offline, with nothing unread.
        t.wait(peer_row(1, "bob", "offline"))
        check("[act:" not in t.status_line(), "replay counted as unread")
        check(t.fmt("#{window_bell_flag}") == "0", "replay rang the bell")
        t.keys("M-1")
        t.wait(r"\[1:bob offline\]$")
        t.wait(TIME + "alice \u29d7 are you there")
        rows = [pane_part(x).rstrip() for x in t.screen()[:-2]
                if pane_part(x).strip()]
        want = [TIME + r"bob \| hello from bob$",
                TIME + "alice \u2713 hi bob$",
                TIME + r"bob \| how are you$",
                TIME + "alice \u29d7 are you there$"]
        check(len(rows) == len(want) and
              all(re.match(w, r) for w, r in zip(want, rows)),
              "replayed conversation is not as it was: %r" % rows)
        # Bob is back: what was kept goes, and its mark changes in place.
        os.kill(bob.proc.pid, signal.SIGCONT)
        stopped = False
        bob.wait("message", text="are you there")
        t.wait(TIME + "alice \u2713 are you there")
        t.wait(r"\[1:bob online enc\]$")
        check(len([x for x in t.screen() if "are you there" in x]) == 1,
              "the kept message is shown twice")
    finally:
        if stopped:
            os.kill(bob.proc.pid, signal.SIGCONT)
        if bob is not None:
            bob.kill()
        if t is not None:
            t.close()
        shutil.rmtree(data, ignore_errors=True)


def numbered(t):
    """Numbers of bob's "n NNN" lines on the screen, top to bottom."""
    return [int(m.group(1)) for m in
            (re.search(r"bob \| n (\d+)$", pane_part(x).rstrip())
             for x in t.screen()[:-2]) if m]


def test_scrolling_up_loads_older_lines(uvqq):
    data = tempfile.mkdtemp(prefix="uvqq-tui-")
    total = 300
    t = bob = None
    try:
        t, bob = start_chat(uvqq, data_dir=data)
        for i in range(1, total + 1):
            bob.send("n %03d" % i)
        t.wait(r"bob \| n %03d\b" % total)
        t.quit()
        t.close()

        t = Term(uvqq, data_dir=data)
        t.wait(r"\u2502 1 bob")
        t.keys("M-1")
        t.wait(r"bob \| n %03d\b" % total)
        seen = set(numbered(t))
        presses = 0
        while "hello from bob" not in t.text():
            top = numbered(t)[0]
            t.keys("PPage")
            presses += 1
            check(presses < 3 * total // 20, "PgUp never reached the start")

            def moved(lines):
                nums = numbered(t)
                return nums and (nums[0] < top or
                                 "hello from bob" in "\n".join(lines))
            t.wait_for(moved, "PgUp to show older lines")
            nums = numbered(t)
            check(nums == list(range(nums[0], nums[0] + len(nums))),
                  "lines out of order or twice: %r" % nums)
            seen.update(nums)
        check(seen == set(range(1, total + 1)),
              "lines never shown: %r" % sorted(set(range(1, total + 1)) -
                                               seen))
        rows = [pane_part(x).rstrip() for x in t.screen()[:-2]]
        check(re.match(TIME + r"bob \| hello from bob$", rows[0]) and
              rows[1].endswith("n 001"), "the start is not at the top: %r"
              % rows[:3])
        # And back down to the newest.
        for _ in range(presses + 1):
            t.keys("NPage")
        t.wait_gone(r"^-- more below")
        t.wait(r"bob \| n %03d\b" % total)
    finally:
        if bob is not None:
            bob.kill()
        if t is not None:
            t.close()
        shutil.rmtree(data, ignore_errors=True)


# options ------------------------------------------------------------------

def test_bell_option(uvqq):
    t, bob = start_chat(uvqq)
    carol = None
    try:
        carol = peer(uvqq, "carol")
        carol.send("/peer " + t.addr)
        carol.send("c1")
        t.wait(peer_row(2, "carol", "1"))
        t.type("/set bell off")
        t.keys("Enter")
        t.wait(r"\* bell = off")
        # The UI's window is not the one on screen: a bell would show.
        t.tmux("new-window", "-d")
        t.tmux("select-window", "-t", ":1")
        # Bells so far (bell on) flagged it; coming back clears that.
        t.tmux("select-window", "-t", ":0")
        t.tmux("select-window", "-t", ":1")
        check(t.fmt("#{window_bell_flag}") == "0", "the flag stayed")
        carol.send("c2")
        t.wait(peer_row(2, "carol", "2"))
        check(t.fmt("#{window_bell_flag}") == "0", "rang with bell off")
        t.type("/set bell on")
        t.keys("Enter")
        t.wait(r"\* bell = on")
        carol.send("c3")
        t.wait(peer_row(2, "carol", "3"))
        t.wait_fmt("#{window_bell_flag}", "1")
    finally:
        for p in (bob, carol):
            if p is not None:
                p.kill()
        t.close()


def test_timestamp_option(uvqq):
    t, bob = start_chat(uvqq)
    try:
        text = " ".join("word%02d" % i for i in range(24))
        bob.send(text)
        t.wait(r"word23")
        rows = message_rows(t, TIME + r"bob \| word00")
        check(len(rows) >= 2, "not wrapped: %r" % rows)

        def aligned(pattern, stamp_cols):
            rows = message_rows(t, pattern)
            col = stamp_cols + 1 + len("bob | ")
            check(rows[0].index("word00") == col,
                  "text not after the stamp: %r" % rows)
            for r in rows[1:]:
                check(len(r) - len(r.lstrip(" ")) == col,
                      "continuation not aligned: %r" % rows)
            got = " ".join(" ".join(r.split()) for r in rows)
            check(got.endswith(text), "text lost: %r" % rows)
        aligned(TIME + r"bob \| word00", 5)
        for fmt, rx, cols in (("%H:%M:%S", r"\d\d:\d\d:\d\d ", 8),
                              ("[%H%M]", r"\[\d{4}\] ", 6)):
            t.type("/set timestamp " + fmt)
            t.keys("Enter")
            t.wait(r"timestamp = %s\s" % re.escape(fmt))
            t.wait("^" + rx + r"bob \| hello from bob")
            aligned("^" + rx + r"bob \| word00", cols)
    finally:
        bob.kill()
        t.close()


# resize -------------------------------------------------------------------

def test_resize_to_tiny_and_back(uvqq):
    t, bob = start_chat(uvqq)
    try:
        t.type("你好 draft")
        t.wait(r"^\[bob\] 你好 draft$")
        t.resize(20, 6)
        t.wait_resized(20, 6)
        t.wait_gone("\u2502")            # no room for the peer list
        t.wait(r"^\[alice@")
        t.wait(r"你好 draft$")
        for line in t.screen():
            check(width(line) <= 20, "row wider than 20: %r" % line)
        x, y = t.cursor()
        check(y == 5 and x == width("你好 draft"), "cursor at %d,%d" % (x, y))
        bob.send("一二三四五六七八九十一二三四五")
        t.wait(r"一二三")
        for line in t.screen():
            check(width(line) <= 20, "row wider than 20: %r" % line)
        # Smaller than anyone would use: still alive.
        t.resize(8, 2)
        t.wait_resized(8, 2)
        t.resize(80, 24)
        t.wait_resized(80, 24)
        t.wait("\u2502 1 bob")
        t.wait(r"^\[bob\] 你好 draft$")
        t.wait_cursor(len("[bob] ") + width("你好 draft"), 23)
        t.keys("Enter")
        bob.wait("message", text="你好 draft")
        t.wait(r"alice \u2713 你好 draft")
        lines = t.screen()
        check(any("一二三四五六七八九十一二三四五" in x for x in lines),
              "the message did not rewrap to the wide screen")
    finally:
        bob.kill()
        t.close()


# exit ---------------------------------------------------------------------

def check_restored(t, status):
    t.wait(r"^\[exited %s\]" % status)
    t.wait_fmt("#{alternate_on}", "0")
    t.wait_fmt("#{cursor_flag}", "1")
    t.wait_fmt("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}",
               "000")
    t.wait_fmt("#{keypad_flag}", "0")
    text = t.text()
    check("before" in text and "[status]" not in text,
          "the normal screen is not back:\n" + text)


def test_quit_restores_terminal(uvqq):
    t = Term(uvqq, shell=True)
    try:
        t.type("/quit")
        t.keys("Enter")
        check_restored(t, 0)
    finally:
        t.close()


def test_ctrl_c_quits_and_restores(uvqq):
    t = Term(uvqq, shell=True)
    try:
        t.keys("C-c")
        check_restored(t, 0)
    finally:
        t.close()


def test_sigterm_restores_terminal(uvqq):
    t = Term(uvqq, shell=True)
    try:
        os.kill(t.pid, signal.SIGTERM)
        check_restored(t, r"\d+")
    finally:
        t.close()


def test_crash_restores_terminal(uvqq):
    t = Term(uvqq, shell=True)
    try:
        os.kill(t.pid, signal.SIGSEGV)
        check_restored(t, 128 + signal.SIGSEGV)
    finally:
        t.close()


# trust ----------------------------------------------------------------------

LOCK = "\U0001F512"


def test_encryption_and_a_changed_key_are_marked(uvqq):
    t, bob = start_chat(uvqq)
    c = plain = None
    try:
        t.wait(r"\u2502 1 bob\s+%s$" % LOCK)
        t.wait(r"\[1:bob online enc\]$")
        t.wait(r"\* encrypted; bob's key is new to you")
        port = bob.port
        bob.kill()
        # Bare text from bob's address: not bob's, and not in his
        # conversation.
        plain = harness.PlainPeer(port=port)
        plain.sendto("I am bob, trust me", int(t.addr.rsplit(":")[1]))
        t.wait(r"\[act: 0:status\(1\)\]")
        t.keys("M-0")
        t.wait(r"127\.0\.0\.1:\d+ ! \[unencrypted, not from its session\]")
        t.wait(r"I am bob, trust me")
        plain.close()
        plain = None
        t.keys("M-1")
        check(not any("I am bob" in x for x in t.screen()),
              "in the encrypted conversation:\n" + t.text())
        # Another key on bob's address.
        c = harness.Uvqq(nick="bob", port=port)
        c.send("/peer " + t.addr)
        t.wait(r"\u2502 1 bob KEY CHANGED\s*$")
        t.wait(r"\[1:bob online KEY CHANGED\]$")
        t.wait(r"! KEY CHANGED for bob")
        t.type("not for the new key")
        t.keys("Enter")
        t.wait(r"alice \u2717 not for the new key")
        t.wait(r"! not delivered: key changed")
        t.type("/trust bob")
        t.keys("Enter")
        t.wait(r"\[1:bob online enc verified\]$")
        t.wait(r"\u2502 1 bob\s+%s$" % LOCK)
        c.drain()
        check(not [e for e in c.seen if e["event"] == "message"],
              "the new key got %r" % c.seen)
    finally:
        for u in (bob, c):
            if u is not None:
                u.kill()
        if plain is not None:
            plain.close()
        t.close()


def test_status_window_says_where_we_are_reached(uvqq):
    """At start the status window shows the addresses others can reach
    us at (issue 14), and /whoami shows them again with the fingerprint."""
    t = Term(uvqq)
    try:
        t.wait(r"reach me at 127\.0\.0\.1:\d+ \(loopback\)")
        t.type("/whoami")
        t.keys("Enter")
        t.wait(r"reach me at 127\.0\.0\.1:\d+ \(this machine only\)")
        t.wait(r"your fingerprint: ")
    finally:
        t.close()


GROUPS = {
    "chat": [test_send_receive_and_delivery_marks,
             test_two_full_screen_uvqq_chat_in_chinese_and_english,
             test_escape_characters_are_shown_visibly,
             test_paste_of_several_lines_is_one_message],
    "text": [test_cjk_and_emoji_wrap_by_display_width],
    "input": [test_input_line_cjk_cursor_and_backspace,
              test_long_input_scrolls_sideways,
              test_history_and_completion],
    "switch": [test_switching_peers_and_unread_counts],
    "scroll": [test_scrollback],
    "resize": [test_resize_to_tiny_and_back],
    "exit": [test_quit_restores_terminal, test_ctrl_c_quits_and_restores,
             test_sigterm_restores_terminal, test_crash_restores_terminal],
    "history": [test_history_replay_after_restart,
                test_scrolling_up_loads_older_lines],
    "options": [test_bell_option, test_timestamp_option],
    "trust": [test_encryption_and_a_changed_key_are_marked,
              test_status_window_says_where_we_are_reached],
}


def main():
    if len(sys.argv) != 3 or (sys.argv[2] not in GROUPS and
                              sys.argv[2] != "all"):
        print(__doc__)
        return 2
    uvqq = os.path.abspath(sys.argv[1])
    if sys.argv[2] == "all":
        tests = [t for g in GROUPS.values() for t in g]
    else:
        tests = GROUPS[sys.argv[2]]
    return run(tests, uvqq)


if __name__ == "__main__":
    sys.exit(main())
