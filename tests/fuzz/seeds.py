#!/usr/bin/env python3
"""seeds.py: write the hand-made seed inputs of tests/fuzz/corpus/.

The corpus directories also hold inputs the fuzzers found (named by their
SHA-1); this script only (re)writes the seed-*.bin files, so running it
again is harmless. Usage: python3 tests/fuzz/seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = "0123456789abcdef"   # the remote session in every seed
LOCAL = "1111111111111111"  # fuzz_stream.c's LOCAL_SID
SEP = b"\xff\xfe"           # fuzz_stream.c's datagram separator


def frame(ftype, keys, body=None):
    head = "uvqq/1 " + ftype + "".join(" %s=%s" % kv for kv in keys)
    out = head.encode()
    if body is not None:
        out += b"\n" + (body if isinstance(body, bytes) else body.encode())
    return out


def msg(q, b, m, f, body, sid=PEER):
    return frame("MSG", [("s", sid), ("q", q), ("b", b), ("m", m),
                         ("f", f)], body)


def ack(a, k=None, d=LOCAL):
    keys = [("s", PEER), ("d", d), ("a", a)]
    if k is not None:
        keys.append(("k", k))
    return frame("ACK", keys)


def packed(*frames):
    """Frames back to back in one datagram, each with its body's l=."""
    out = b""
    for f in frames:
        head, _, body = f.partition(b"\n")
        out += head + b" l=%d\n" % len(body) + body
    return out


FRAMES = {
    "empty": b"",
    "packed-two": packed(msg(1, 1, 1, "0/1", "你好"),
                         msg(2, 1, 2, "0/1", "l=99")),
    "plain-text": b"hello there, are you a uvqq?",
    "magic-only": b"uvqq/",
    "version-only": b"uvqq/1",
    "version-space": b"uvqq/1 ",
    "version-2": b"uvqq/2 HELLO s=" + PEER.encode() + b" n=bob",
    "version-huge": b"uvqq/99999999999999999999999 PING s=" + PEER.encode(),
    "hello": frame("HELLO", [("s", PEER), ("n", "alice")],
                   "Hello! This is alice chatting with uvqq. "
                   "Just reply with text to talk."),
    "hello-d-nick-escaped": frame("HELLO", [("s", PEER), ("d", LOCAL),
                                            ("n", "%E5%B0%8F%E6%98%8E%20100%25%3Dok")]),
    "hello-nick-64": frame("HELLO", [("s", PEER), ("n", "x" * 64)]),
    "hello-nick-65": frame("HELLO", [("s", PEER), ("n", "x" * 65)]),
    "hello-nick-nul": frame("HELLO", [("s", PEER), ("n", "a%00b")]),
    "hello-nick-esc": frame("HELLO", [("s", PEER), ("n", "%1B[31mred")]),
    "hello-nick-badutf8": frame("HELLO", [("s", PEER), ("n", "%C0%80")]),
    "hello-nick-raw-eq": b"uvqq/1 HELLO s=" + PEER.encode() + b" n=a=b",
    "hello-upper-sid": frame("HELLO", [("s", PEER.upper()), ("n", "a")]),
    "welcome": frame("WELCOME", [("s", PEER), ("d", LOCAL), ("n", "bob")]),
    "welcome-no-d": frame("WELCOME", [("s", PEER), ("n", "bob")]),
    "msg": msg(7, 5, 42, "1/3", "\u4f60\u597d world\nsecond line"),
    "msg-empty-body": msg(1, 1, 1, "0/1", ""),
    "msg-no-body": msg(1, 1, 1, "0/1", None),
    "msg-body-1100": msg(1, 1, 1, "0/1", "y" * 1100),
    "msg-body-1101": msg(1, 1, 1, "0/1", "y" * 1101),
    "msg-frag-64": msg(64, 1, 9, "63/64", "last"),
    "msg-frag-65": msg(1, 1, 9, "0/65", "x"),
    "msg-frag-zero": msg(1, 1, 9, "0/0", "x"),
    "msg-frag-noslash": msg(1, 1, 9, "3", "x"),
    "msg-base-zero": msg(1, 0, 1, "0/1", "x"),
    "msg-base-past-seq": msg(3, 4, 1, "0/1", "x"),
    "msg-max-seq": msg(9007199254740992, 9007199254740992,
                       18446744073709551615, "0/1", "x"),
    "msg-seq-past-max": msg(9007199254740993, 1, 1, "0/1", "x"),
    "msg-seq-u64-overflow": msg(18446744073709551616, 1, 1, "0/1", "x"),
    "msg-leading-zeros": msg("0007", "05", "000", "01/03", "z"),
    "msg-badutf8-body": msg(1, 1, 1, "0/1",
                            b"\xff\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80ok\x80"),
    "msg-nul-body": msg(1, 1, 1, "0/1", b"a\x00b\x00"),
    "msg-escape-body": msg(1, 1, 1, "0/1",
                           b"\x1b[2J\x1b]0;pwned\x07\x1bP+q\x1b\\\r\x08\x7f"),
    "msg-nul-header": b"uvqq/1 MSG s=" + PEER.encode() + b" q=1\x00 b=1 m=1 f=0/1",
    "msg-missing-key": frame("MSG", [("s", PEER), ("q", 1), ("b", 1),
                                     ("m", 1)], "x"),
    "msg-dup-key": frame("MSG", [("s", PEER), ("q", 1), ("q", 2), ("b", 1),
                                 ("m", 1), ("f", "0/1")]),
    "msg-double-space-unknown": b"uvqq/1 MSG  s=" + PEER.encode() +
                                b"  q=1 b=1 m=1 f=0/1 x=? long=1 Z=9\nok",
    "msg-key-no-eq": b"uvqq/1 MSG s=" + PEER.encode() + b" q",
    "ack": ack(10, "12-15,18"),
    "ack-16-sack": ack(1, ",".join(str(3 + 2 * i) for i in range(16))),
    "ack-17-sack": ack(1, ",".join(str(3 + 2 * i) for i in range(17))),
    "ack-sack-backwards": ack(1, "9-3"),
    "ack-sack-empty": ack(1, ""),
    "ack-sack-commas": ack(1, ",,3"),
    "ack-sack-huge": ack(1, "18446744073709551615"),
    "ping": frame("PING", [("s", PEER)]),
    "ping-with-d-and-n": frame("PING", [("s", PEER), ("d", LOCAL),
                                        ("n", "x")]),
    "pong": frame("PONG", [("s", PEER), ("d", LOCAL)]),
    "bye": frame("BYE", [("s", PEER)], ""),
    "unknown-type": frame("SEAL", [("s", PEER)], "sealed"),
}

STREAMS = {
    "empty": [b""],
    "one-message": [msg(1, 1, 1, "0/1", "hello")],
    "packed-three": [packed(msg(1, 1, 1, "0/1", "one"),
                            msg(2, 1, 2, "0/1", ""),
                            msg(3, 1, 3, "0/1", "uvqq/1 MSG in a body"))],
    "two-in-order": [msg(1, 1, 1, "0/1", "one"), msg(2, 1, 2, "0/1", "two")],
    "fragments-reversed": [msg(3, 1, 5, "2/3", "c"), msg(2, 1, 5, "1/3", "b"),
                           msg(1, 1, 5, "0/3", "a")],
    "fragments-split-char": [msg(1, 1, 5, "0/2", b"\xe4\xbd"),
                             msg(2, 1, 5, "1/2", b"\xa0!")],
    "duplicates": [msg(1, 1, 1, "0/1", "x"), msg(1, 1, 1, "0/1", "x"),
                   msg(2, 1, 2, "0/1", "y"), msg(1, 1, 1, "0/1", "x")],
    "base-skips-gap": [msg(1, 1, 1, "0/2", "half"),
                       msg(4, 3, 3, "0/1", "after the gap")],
    "fragment-without-start": [msg(2, 2, 7, "1/2", "orphan"),
                               msg(3, 2, 8, "0/1", "next")],
    "frag-count-changes": [msg(1, 1, 4, "0/2", "a"), msg(2, 1, 4, "1/64", "b"),
                           msg(3, 1, 4, "2/64", "c")],
    "new-session-mid-message": [msg(1, 1, 1, "0/2", "old"),
                                msg(1, 1, 1, "0/1", "new", sid="fedcba9876543210")],
    "zero-session": [msg(1, 1, 1, "0/1", "zero", sid="0000000000000000")],
    "out-of-window": [msg(600, 1, 1, "0/1", "far"), msg(512, 1, 1, "0/1", "edge"),
                      msg(1, 1, 1, "0/1", "first")],
    "huge-base": [msg(9007199254740992, 9007199254740992, 1, "0/1", "end")],
    "escapes-and-nuls": [msg(1, 1, 1, "0/1",
                             b"\x1b[2J\x00\x1b]0;x\x07\xff\xc3")],
    "own-echo": [msg(1, 1, 1, "0/1", "mine", sid=LOCAL)],
    "garbage-between": [b"not a frame", b"uvqq/1 MSG", b"",
                        msg(1, 1, 1, "0/1", "ok")],
    "send-and-ack": [b"!s5", b"!o", ack(1)],
    "send-fragments-sack": [b"!o", b"!s3000", b"!s10", ack(1, "3-4"), ack(4)],
    "ack-wrong-session": [b"!o", b"!s5", ack(1, d=PEER)],
    "ack-past-sent": [b"!o", b"!s5", ack(9)],
    "ack-while-probing": [b"!s5", ack(1), b"!o", ack(1)],
    "send-too-long": [b"!o", b"!s70410", b"!s65536", ack(60)],
    "send-empty-then-fail": [b"!o", b"!s0", b"!s1101", b"!F", ack(2)],
    "both-ways": [b"!o", b"!s20", msg(1, 1, 1, "0/1", "hi"), ack(1),
                  msg(2, 1, 2, "0/1", "bye")],
    "sack-17-ranges": [msg(3 + 2 * i, 1, 10 + i, "0/1", "gap")
                       for i in range(17)],
    "big-message-3x1100": [msg(i + 1, 1, 1, "%d/3" % i, "\u00e9" * 550)
                           for i in range(3)],
}


def write(kind, name, data):
    path = os.path.join(HERE, "corpus", kind, "seed-" + name + ".bin")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    for name, data in FRAMES.items():
        write("frame", name, data)
    for name, grams in STREAMS.items():
        write("stream", name, SEP.join(grams))


if __name__ == "__main__":
    main()
