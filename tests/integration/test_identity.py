"""test_identity.py: uvqq's identity (issue 12). The key pair is made on
the first start and kept, readable only by its owner, in the data
directory; the fingerprint people compare and the user id on the wire come
from its public key; --no-history makes a new one each run and keeps
nothing; the data directory and every file in it are private."""
import base64
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import PlainPeer, Uvqq, check, run  # noqa: E402

FINGERPRINT = re.compile(r"^[a-z2-7]{4}( [a-z2-7]{4}){7}$")


class Root:
    """A private temporary directory; data directories go inside, made by
    uvqq itself unless a test makes them."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="uvqq-id-")

    def __call__(self, name):
        return os.path.join(self.path, name)

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def public_key(data_dir):
    """The public key in identity.key, as bytes (the file is text)."""
    with open(os.path.join(data_dir, "identity.key")) as f:
        lines = f.read().splitlines()
    check(lines[0] == "uvqq identity key 1" and len(lines) == 3 and
          lines[1].startswith("secret ") and lines[2].startswith("public "),
          "identity.key says what it is: %r" % lines[0])
    return bytes.fromhex(lines[2].split()[1])


def fingerprint_of(pk):
    """BLAKE2b-160 of the public key, base32 lowercase, 8 groups of 4."""
    b32 = base64.b32encode(hashlib.blake2b(pk, digest_size=20).digest())
    b32 = b32.decode().lower()
    return " ".join(b32[i:i + 4] for i in range(0, 32, 4))


def ready(u):
    """The ready event (Uvqq() waited for it)."""
    return [e for e in u.seen if e["event"] == "ready"][0]


def start(data_dir, *args):
    """uvqq on data_dir that must fail: (exit code, stderr)."""
    p = subprocess.run([harness.UVQQ, "-H", "-p", "0", "-b", "127.0.0.1",
                        "--no-config", "--data-dir", data_dir] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=harness.TIMEOUT)
    return p.returncode, p.stderr.decode()


def whoami(u):
    """The info lines of /whoami, up to the one that says where the key
    is."""
    u.send("/whoami")
    lines = []
    while True:
        ev = u.wait("info")
        lines.append(ev["text"])
        if ev["text"].startswith("your key:"):
            return lines


def test_the_fingerprint_is_the_keys_and_stays_across_restarts():
    r = Root()
    try:
        d = r("data")          # made by uvqq
        a = Uvqq(data_dir=d)
        fp = ready(a)["fingerprint"]
        check(FINGERPRINT.match(fp), "fingerprint shape: %r" % fp)
        check(fp == fingerprint_of(public_key(d)),
              "ready's fingerprint is the key file's: %r" % fp)
        check(a.quit() == 0, "clean exit")
        a.kill()
        a = Uvqq(data_dir=d)
        again = ready(a)["fingerprint"]
        check(again == fp, "same key after a restart: %r vs %r" %
              (again, fp))
        check(a.quit() == 0, "clean exit")
        a.kill()
    finally:
        r.close()


def test_no_history_makes_a_new_key_each_run_and_writes_none():
    r = Root()
    try:
        d = r("unused")
        os.mkdir(d, 0o700)
        seen = set()
        for _ in range(2):
            a = Uvqq("--no-history", data_dir=d)
            fp = ready(a)["fingerprint"]
            check(FINGERPRINT.match(fp), "fingerprint shape: %r" % fp)
            check(any("for this run only" in t for t in whoami(a)),
                  "/whoami says the key is for this run")
            seen.add(fp)
            check(a.quit() == 0, "clean exit")
            a.kill()
        check(len(seen) == 2, "a new key each run: %r" % seen)
        check(os.listdir(d) == [], "nothing written: %r" % os.listdir(d))
    finally:
        r.close()


def test_key_and_data_dir_are_private_and_so_is_every_file():
    r = Root()
    a = b = None
    try:
        a = Uvqq(nick="alice", data_dir=r("a"))
        b = Uvqq(nick="bob", data_dir=r("b"))
        a.send("/peer %s bob" % b.addr)
        a.wait("peer", state="online", peer=b.addr)
        a.send("你好 bob, are these files private?")
        msg = b.wait("message")
        check(msg["text"] == "你好 bob, are these files private?", repr(msg))
        a.wait("delivered")
        # While both run: the log and its index are there.
        for d in (r("a"), r("b")):
            check(mode(d) == 0o700, "%s is %04o" % (d, mode(d)))
            for name in ("identity.key", "uvqq.db", "uvqq.db-wal",
                         "uvqq.db-shm", "lock"):
                path = os.path.join(d, name)
                check(os.path.exists(path), "%s exists" % path)
                check(mode(path) == 0o600, "%s is %04o" % (path,
                                                           mode(path)))
        check(a.quit() == 0 and b.quit() == 0, "clean exits")
    finally:
        for u in (a, b):
            if u is not None:
                u.kill()
        r.close()


def test_the_user_id_on_the_wire_is_the_keys():
    r = Root()
    plain = PlainPeer()
    a = None
    try:
        d = r("data")
        a = Uvqq(data_dir=d)
        a.send("/peer %s" % plain.addr)
        hello, _ = plain.recv()
        # The HELLO carries the identity key itself (i=); the user id is
        # bound to it, so it is not sent apart.
        m = re.search(r" i=([A-Za-z0-9_-]{43})", hello)
        check(hello.startswith("uvqq/1 HELLO") and m, repr(hello))
        check(" u=" not in hello.split("\n")[0], repr(hello))
        sent = base64.urlsafe_b64decode(m.group(1) + "=")
        check(sent == public_key(d), "i= is the key file's public key")
    finally:
        if a is not None:
            a.kill()
        plain.close()
        r.close()


def test_a_key_file_others_can_read_stops_uvqq():
    r = Root()
    try:
        d = r("data")
        a = Uvqq(data_dir=d)
        check(a.quit() == 0, "clean exit")
        a.kill()
        key = os.path.join(d, "identity.key")
        for m in (0o644, 0o640, 0o604):
            os.chmod(key, m)
            code, err = start(d)
            check(code == 1, "exit 1 with %04o, not %d: %r" % (m, code, err))
            check(len(err.splitlines()) == 1, "one line: %r" % err)
            check(key in err and "%04o" % m in err and
                  "chmod 600 %s" % key in err, "names the file, its mode "
                  "and the fix: %r" % err)
        os.chmod(key, 0o600)
        a = Uvqq(data_dir=d)
        check(a.quit() == 0, "fixed: starts again")
        a.kill()
    finally:
        r.close()


def test_a_damaged_key_file_stops_uvqq_and_never_shows_the_secret():
    r = Root()
    try:
        d = r("data")
        a = Uvqq(data_dir=d)
        check(a.quit() == 0, "clean exit")
        a.kill()
        key = os.path.join(d, "identity.key")
        with open(key) as f:
            lines = f.read().splitlines()
        secret = lines[1].split()[1]
        # Another public key with our secret: they do not belong together.
        other = bytes(32 - 1) + b"\x09"
        with open(key, "w") as f:
            f.write("%s\n%s\npublic %s\n" % (lines[0], lines[1],
                                               other.hex()))
        code, err = start(d)
        check(code == 1 and key in err and "public key" in err and
              len(err.splitlines()) == 1, "mismatch: %d %r" % (code, err))
        check(secret not in err, "the secret is not shown")
        with open(key, "w") as f:
            f.write("not a key\n")
        code, err = start(d)
        check(code == 1 and key in err and "not a uvqq identity key" in err,
              "garbage: %d %r" % (code, err))
    finally:
        r.close()


def test_whoami_shows_nick_address_and_fingerprint():
    r = Root()
    a = None
    try:
        a = Uvqq(nick="carol", data_dir=r("data"))
        me = ready(a)
        lines = whoami(a)
        text = "\n".join(lines)
        check("carol" in text, "nick: %r" % lines)
        check(me["addr"] in text, "address %s: %r" % (me["addr"], lines))
        check(me["fingerprint"] in text, "fingerprint: %r" % lines)
        check(os.path.join(r("data"), "identity.key") in text,
              "where the key is: %r" % lines)
        # A prefix works as for every command (/who is the LAN's list).
        a.send("/whoa")
        check(a.wait("info")["text"].startswith("you are carol"),
              "/whoa is /whoami")
    finally:
        if a is not None:
            a.kill()
        r.close()


def test_an_open_data_dir_is_warned_about_once_but_used():
    r = Root()
    a = None
    try:
        d = r("shared")
        os.mkdir(d)
        os.chmod(d, 0o755)
        a = Uvqq(data_dir=d)
        err = a.wait("error")
        check(d in err["text"] and "0755" in err["text"] and
              "chmod 700" in err["text"], repr(err))
        check(whoami(a), "goes on")
        a.drain()
        errors = [e for e in a.seen if e["event"] == "error"]
        check(len(errors) == 1, "warned once: %r" % errors)
    finally:
        if a is not None:
            a.kill()
        r.close()


def sent_id(u, peer):
    """Send one line to a plain peer; the id our store gave it."""
    u.send("/peer %s" % peer.addr)
    u.send("hi")
    sent = u.wait("sent")
    # Out as plain text: nothing left for /quit to wait for.
    u.wait("peer", peer=peer.addr, state="online", kind="plain")
    return sent["id"]


def test_message_ids_never_repeat_under_one_key():
    """A key made now goes on with the database's ids (an existing data
    directory gets a key); a kept key with a new database jumps past any
    ids it may have used (peers drop repeats)."""
    r = Root()
    plain = PlainPeer()
    try:
        d = r("data")
        a = Uvqq("--probe-timeout", "50", data_dir=d)
        first = sent_id(a, plain)
        check(a.quit() == 0, "clean exit")
        a.kill()
        os.unlink(os.path.join(d, "identity.key"))
        a = Uvqq("--probe-timeout", "50", data_dir=d)
        check(sent_id(a, plain) == first + 1, "ids go on with a new key")
        check(a.quit() == 0, "clean exit")
        a.kill()
        for name in ("uvqq.db", "uvqq.db-wal", "uvqq.db-shm"):
            if os.path.exists(os.path.join(d, name)):
                os.unlink(os.path.join(d, name))
        before = int(time.time()) * 1000 * 1000
        a = Uvqq("--probe-timeout", "50", data_dir=d)
        got = sent_id(a, plain)
        check(before <= got < 2 ** 53, "ids jump with a kept key: %d" % got)
        check(a.quit() == 0, "clean exit")
        a.kill()
    finally:
        plain.close()
        r.close()


if __name__ == "__main__":
    sys.exit(run([
        test_the_fingerprint_is_the_keys_and_stays_across_restarts,
        test_no_history_makes_a_new_key_each_run_and_writes_none,
        test_key_and_data_dir_are_private_and_so_is_every_file,
        test_the_user_id_on_the_wire_is_the_keys,
        test_a_key_file_others_can_read_stops_uvqq,
        test_a_damaged_key_file_stops_uvqq_and_never_shows_the_secret,
        test_whoami_shows_nick_address_and_fingerprint,
        test_an_open_data_dir_is_warned_about_once_but_used,
        test_message_ids_never_repeat_under_one_key,
    ]))
