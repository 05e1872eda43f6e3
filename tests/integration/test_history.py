"""test_history.py: history, the outbox, known peers and the config file
survive restarts, and a kill -9 at any moment loses nothing."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Uvqq, check, free_port, run, TestFailure  # noqa: E402

SLOW = 60


class Dirs:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="uvqq-hist-")

    def __getitem__(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path, exist_ok=True)
        return path

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def answer_to(u, line, marker="your nick is"):
    """Events up to the info line a following /nick prints."""
    u.send(line)
    u.send("/nick")
    got = []
    while True:
        ev = u.wait_any()
        if ev["event"] == "info" and ev["text"].startswith(marker):
            return got
        got.append(ev)


def test_chat_quit_restart_shows_history_and_peers():
    d = Dirs()
    pa, pb = free_port(), free_port()
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        a.send("/peer 127.0.0.1:%d bobby" % pb)
        a.wait("peer", state="online")
        a.send("今天下午一起喝咖啡吗？")
        b.wait("message")
        a.wait("delivered")
        b.send("/peer 127.0.0.1:%d" % pa)
        b.send("好啊 see you at 3")
        a.wait("message")
        check(a.quit() == 0 and b.quit() == 0, "clean exits")
        a.kill()
        b.kill()

        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        ev = a.wait("peer", peer="127.0.0.1:%d" % pb)
        check(ev.get("name") == "bobby" and ev["nick"] == "bob" and
              ev["kind"] == "uvqq", "the peer is remembered: %r" % ev)
        a.send("/peer bobby")
        rows = [e for e in answer_to(a, "/history 10")
                if e["event"] == "message"]
        check([r["text"] for r in rows] == ["今天下午一起喝咖啡吗？",
                                            "好啊 see you at 3"],
              "history after a restart: %r" % rows)
        check(rows[0]["outgoing"] and not rows[1]["outgoing"] and
              all(r["history"] for r in rows), repr(rows))
        for word, want in [("咖啡", 1), ("喝咖啡", 1), ("see you", 1),
                           ("不在", 0)]:
            found = [e for e in answer_to(a, "/search " + word)
                     if e["event"] == "message"]
            check(len(found) == want, "/search %s: %r" % (word, found))
        a.send("/peers")
        info = a.wait("info", match=lambda e: "bobby" in e["text"])
        check("uvqq" in info["text"], repr(info))
        a.kill()
    finally:
        d.close()


def test_message_to_an_offline_friend_is_delivered_when_both_are_back():
    d = Dirs()
    pa, pb = free_port(), free_port()
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        a.send("/peer 127.0.0.1:%d" % pb)
        a.wait("peer", state="online")
        b.quit()
        b.kill()
        a.wait("peer", state="offline")
        a.send("are you there? 你在吗")
        sent = a.wait("sent")
        check(a.quit() == 0, "exit 0")
        failed = a.wait("failed")
        check(failed["id"] == sent["id"] and failed.get("queued"),
              "kept in the outbox: %r" % failed)
        a.kill()

        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        msg = b.wait("message", timeout=SLOW)
        check(msg["text"] == "are you there? 你在吗" and
              msg["id"] == sent["id"], "delivered after both restarted")
        ev = a.wait("delivered", timeout=SLOW)
        check(ev["id"] == sent["id"], "reported delivered: %r" % ev)
        a.send("/peers")
        a.wait("info")
        check(a.quit() == 0 and b.quit() == 0, "clean exits")
        check(len([e for e in b.seen if e["event"] == "message"]) == 1,
              "shown once")
        check(len([e for e in a.seen if e["event"] == "delivered"]) == 1,
              "delivered once")
        a.kill()
        b.kill()
    finally:
        d.close()


def test_a_plain_peer_is_remembered_but_left_alone():
    from harness import PlainPeer
    d = Dirs()
    plain = PlainPeer()
    try:
        a = Uvqq("--probe-timeout", "100", "--heartbeat", "50",
                 data_dir=d["a"])
        a.send("/peer %s 老王" % plain.addr)
        a.wait("peer", peer=plain.addr, kind="plain")
        plain.probes()
        check(a.quit() == 0, "exit 0")
        a.kill()
        a = Uvqq("--probe-timeout", "100", "--heartbeat", "50",
                 data_dir=d["a"])
        ev = a.wait("peer", peer=plain.addr)
        check(ev["kind"] == "plain" and ev.get("name") == "老王", repr(ev))
        plain.sock.settimeout(0.5)                # many heartbeats
        try:
            data = plain.sock.recv(65536)
            raise TestFailure("a plain peer got %r after a restart" % data)
        except socket.timeout:
            pass
        a.kill()
    finally:
        plain.close()
        d.close()


def test_a_message_sent_again_after_a_lost_ack_is_shown_once():
    from relay import Relay
    d = Dirs()
    pa, pb = free_port(), free_port()
    try:
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        r = Relay(pa, pb)
        a.send("/peer 127.0.0.1:%d" % r.a_port)
        a.wait("peer", state="online")
        r.drop_to_a = 1.0                 # from now on B's ACKs are lost
        a.send("只说一次 once only")
        sent = a.wait("sent")
        check(b.wait("message")["text"] == "只说一次 once only", "arrived")
        check(a.quit() == 0, "exit 0")
        check(a.wait("failed").get("queued"), "kept for later")
        a.kill()
        r.drop_to_a = None
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        ev = a.wait("delivered", timeout=SLOW)
        check(ev["id"] == sent["id"], "sent again with its id, and acked")
        b.send("/nick")
        b.wait("info", match=lambda e: "your nick" in e["text"])
        check(len([e for e in b.seen if e["event"] == "message"]) == 1,
              "the receiver showed it once: %r" % b.seen)
        a.kill()
        b.kill()
        r.close()
    finally:
        d.close()


def test_kill_9_in_the_middle_of_a_burst_loses_nothing():
    d = Dirs()
    pa, pb = free_port(), free_port()
    n = 400
    texts = ["burst %03d 消息" % i for i in range(n)]
    runs_a, runs_b = [], []
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq("127.0.0.1:%d" % pb, nick="alice", port=pa,
                 data_dir=d["a"])
        runs_a.append(a)
        runs_b.append(b)
        a.wait("peer", state="online")
        typed = 0
        for i in range(200):
            a.send(texts[i])
        typed = 200
        b.wait("message", match=lambda e: e["text"] == texts[60])
        b.proc.send_signal(signal.SIGKILL)           # receiver dies
        b.proc.wait()
        a.wait("sent", match=lambda e: e["text"] == texts[150])
        a.proc.send_signal(signal.SIGKILL)           # and the sender
        a.proc.wait()
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        a = Uvqq(nick="alice", port=pa, data_dir=d["a"])
        runs_a.append(a)
        runs_b.append(b)
        a.wait("peer", state="online", timeout=SLOW)
        a.send("/peer 127.0.0.1:%d" % pb)
        for i in range(typed, n):
            a.send(texts[i])
        # Everything typed after the restart must arrive.
        b.wait("message", timeout=SLOW,
               match=lambda e: e["text"] == texts[n - 1])
        b.send("/peer 127.0.0.1:%d" % pa)
        b.wait("current")
        rows = [e["text"] for e in answer_to(b, "/history 10000")
                if e["event"] == "message" and e.get("history") and
                not e["outgoing"]]
        sent = set()
        for r in runs_a:
            sent |= {e["text"] for e in r.seen if e["event"] == "sent"}
        for t in sent:
            check(rows.count(t) == 1, "%r stored %d times at the receiver"
                  % (t, rows.count(t)))
        check(len(rows) == len(set(rows)), "no duplicate stored")
        for t in texts[typed:]:
            check(t in rows, "%r lost" % t)
        runs_b[0].drain()
        live = []
        for r in runs_b:
            live += [e["text"] for e in r.seen if e["event"] == "message"
                     and not e.get("history")]
        check(len(live) == len(set(live)), "no message shown twice live")
        # Every message the sender was told is stored ends up delivered,
        # and is reported delivered once.
        runs_a[0].drain()
        ids = {e["id"] for r in runs_a for e in r.seen
               if e["event"] == "sent"}
        delivered = [e["id"] for r in runs_a for e in r.seen
                     if e["event"] == "delivered"]
        while not ids <= set(delivered):
            delivered.append(a.wait("delivered", timeout=SLOW)["id"])
        a.drain()
        delivered = [e["id"] for r in runs_a for e in r.seen
                     if e["event"] == "delivered"]
        check(len(delivered) == len(set(delivered)),
              "delivered reported once")
        if os.environ.get("UVQQ_TEST_VERBOSE"):
            print("sent %d+%d, delivered %d+%d, stored %d, live %d+%d" % (
                tuple(len([e for e in r.seen if e["event"] == k])
                      for k in ("sent",) for r in runs_a) +
                tuple(len([e for e in r.seen if e["event"] == "delivered"])
                      for r in runs_a) + (len(rows),) +
                tuple(len([e for e in r.seen if e["event"] == "message"
                           and not e.get("history")]) for r in runs_b)))
    finally:
        for r in runs_a + runs_b:
            r.kill()
        d.close()


def test_corrupt_or_busy_data_dir_is_a_clear_error():
    d = Dirs()
    try:
        with open(os.path.join(d["bad"], "uvqq.db"), "wb") as f:
            f.write(b"this is not a database" * 100)
        p = subprocess.run([harness.UVQQ, "-H", "-p", "0", "-b", "127.0.0.1",
                            "--no-config", "--data-dir", d["bad"]],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=harness.TIMEOUT)
        err = p.stderr.decode()
        check(p.returncode == 1 and "not a database" in err and
              "--no-history" in err, "corrupt: %d %r" % (p.returncode, err))
        a = Uvqq(data_dir=d["busy"])
        try:
            p = subprocess.run([harness.UVQQ, "-H", "-p", "0", "-b",
                                "127.0.0.1", "--no-config", "--data-dir",
                                d["busy"]], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=harness.TIMEOUT)
            err = p.stderr.decode()
            check(p.returncode == 1 and "in use by another uvqq" in err,
                  "busy: %r" % err)
        finally:
            a.kill()
        p = subprocess.run([harness.UVQQ, "-H", "-p", "0", "-b", "127.0.0.1",
                            "--no-config", "--no-history"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=harness.TIMEOUT)
        check(p.returncode == 0, "--no-history is the way out")
    finally:
        d.close()


def test_config_file_runs_commands_and_reports_bad_lines():
    d = Dirs()
    pb = free_port()
    try:
        b = Uvqq(nick="bob", port=pb, data_dir=d["b"])
        cfg = os.path.join(d["cfg"], "uvqqrc")
        with open(cfg, "w") as f:
            f.write("# my uvqq\n"
                    "/nick 配置\n"
                    "/set bell off\n"
                    "/set nonsense 1\n"
                    "hello without a slash\n"
                    "/peer 127.0.0.1:%d bob\n"
                    "/set timestamp %%H:%%M:%%S\n" % pb)
        p = subprocess.Popen([harness.UVQQ, "-H", "-p", "0", "-b",
                              "127.0.0.1", "--config", cfg, "--data-dir",
                              d["a"]], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
        import json
        events = []
        try:
            for line in p.stdout:
                ev = json.loads(line)
                events.append(ev)
                if ev["event"] == "peer" and ev.get("state") == "online":
                    break
        finally:
            p.kill()
            p.wait()
        ready = events[0]
        check(ready["event"] == "ready" and ready["nick"] == "配置",
              "/nick from the config: %r" % ready)
        errors = [e["text"] for e in events if e["event"] == "error"]
        check(any(t.startswith(cfg + ":4:") and "nonsense" in t
                  for t in errors), "bad /set names file and line: %r"
              % errors)
        check(any(t.startswith(cfg + ":5:") for t in errors),
              "a line without / is an error: %r" % errors)
        opts = {e["name"]: e["value"] for e in events
                if e["event"] == "option"}
        check(opts.get("bell") == "off" and
              opts.get("timestamp") == "%H:%M:%S", repr(opts))
        check(any(e["event"] == "peer" and e.get("name") == "bob"
                  for e in events), "the /peer line ran")
        b.kill()
    finally:
        d.close()


def test_set_shows_and_changes_options():
    a = Uvqq()
    try:
        a.send("/set")
        names = set()
        want = {"port", "bind", "bell", "notify", "timestamp", "scrollback",
                "known-only", "rate-limit", "discovery"}
        while not want <= names:
            names.add(a.wait("info")["text"].split(" = ")[0])
        a.send("/set notify loud")
        check("auto, off, bell, terminal or desktop" in
              a.wait("error")["text"], "bad notify")
        a.send("/set notify desktop")
        check(a.wait("option", name="notify", value="desktop"),
              "the front end is told")
        check(a.wait("info")["text"] == "notify = desktop", "set notify")
        a.send("/set rate-limit 5")
        check(a.wait("info")["text"] == "rate-limit = 5", "set")
        a.send("/set bell maybe")
        check("on or off" in a.wait("error")["text"], "bad value")
        a.send("/set port 9999")
        check("next start" in a.wait("info")["text"], "port later")
        a.send("/help set")
        lines = [a.wait("info")["text"] for _ in range(9)]
        check(any("scrollback" in t for t in lines), repr(lines))
    finally:
        a.kill()


if __name__ == "__main__":
    sys.exit(run([test_chat_quit_restart_shows_history_and_peers,
                  test_message_to_an_offline_friend_is_delivered_when_both_are_back,
                  test_a_plain_peer_is_remembered_but_left_alone,
                  test_a_message_sent_again_after_a_lost_ack_is_shown_once,
                  test_kill_9_in_the_middle_of_a_burst_loses_nothing,
                  test_corrupt_or_busy_data_dir_is_a_clear_error,
                  test_config_file_runs_commands_and_reports_bad_lines,
                  test_set_shows_and_changes_options]))
