"""sealpeer.py: a uvqq peer written by hand, for tests that must send what
uvqq itself never would (an older peer, bare text after a handshake, a
forged or replayed seal). It speaks the sealed handshake and SEAL frames
of net/seal.c and net/session.c with libsodium through ctypes: a second
implementation of the wire format, from the README's description."""
import base64
import ctypes
import ctypes.util
import hashlib
import os
import socket
import struct

_lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _lib.sodium_init() < 0:
    raise RuntimeError("sodium_init failed")

LABEL = b"uvqq/1 session keys\0"        # as C's sizeof counts it


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def keypair():
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    _lib.crypto_kx_keypair(pk, sk)
    return pk.raw, sk.raw


def uid_of(pk):
    uid = struct.unpack(">Q", hashlib.blake2b(pk, digest_size=32)
                        .digest()[:8])[0]
    return uid or 1


def _kx(client, mine, theirs):
    rx, tx = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    fn = _lib.crypto_kx_client_session_keys if client else \
        _lib.crypto_kx_server_session_keys
    if fn(rx, tx, mine[0], mine[1], theirs) != 0:
        raise ValueError("crypto_kx refused a key")
    return rx.raw, tx.raw


def derive(my_static, my_eph, my_sid, their_static, their_eph, their_sid):
    """(tx, rx) as seal_derive makes them."""
    lo = my_sid < their_sid
    r1, t1 = _kx(lo, my_eph, their_eph)
    if lo:
        r2, t2 = _kx(True, my_eph, their_static)
        r3, t3 = _kx(False, my_static, their_eph)
    else:
        r2, t2 = _kx(False, my_static, their_eph)
        r3, t3 = _kx(True, my_eph, their_static)
    sids = struct.pack(">QQ", min(my_sid, their_sid), max(my_sid, their_sid))
    tx = hashlib.blake2b(LABEL + t1 + t2 + t3 + sids, digest_size=32)
    rx = hashlib.blake2b(LABEL + r1 + r2 + r3 + sids, digest_size=32)
    return tx.digest(), rx.digest()


def _nonce(counter):
    return b"\0" * 4 + struct.pack("<Q", counter)


def aead_seal(key, counter, plain, ad):
    out = ctypes.create_string_buffer(len(plain) + 16)
    n = ctypes.c_ulonglong()
    _lib.crypto_aead_chacha20poly1305_ietf_encrypt(
        out, ctypes.byref(n), plain, ctypes.c_ulonglong(len(plain)), ad,
        ctypes.c_ulonglong(len(ad)), None, _nonce(counter), key)
    return out.raw[:n.value]


def aead_open(key, counter, sealed, ad):
    out = ctypes.create_string_buffer(max(1, len(sealed)))
    n = ctypes.c_ulonglong()
    if _lib.crypto_aead_chacha20poly1305_ietf_decrypt(
            out, ctypes.byref(n), None, sealed,
            ctypes.c_ulonglong(len(sealed)), ad, ctypes.c_ulonglong(len(ad)),
            _nonce(counter), key) != 0:
        return None
    return out.raw[:n.value]


def parse(datagram):
    """(type, keys, body) of a datagram's first frame, and its header."""
    head, _, body = datagram.partition(b"\n")
    words = head.decode().split(" ")
    keys = dict(w.split("=", 1) for w in words[2:] if "=" in w)
    return words[1], keys, body, head


def frames_of(plain):
    """Split packed frames (l= gives a body's length)."""
    out, rest = [], plain
    while rest:
        head, _, after = rest.partition(b"\n")
        words = head.decode().split(" ")
        keys = dict(w.split("=", 1) for w in words[2:] if "=" in w)
        if "l" in keys:
            n = int(keys["l"])
            body, rest = after[:n], after[n:]
        else:
            body, rest = after, b""
        out.append((words[1], keys, body))
    return out


class SealPeer:
    """One run of a hand-made uvqq on a UDP socket of its own."""

    def __init__(self, nick="hand", packs=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.nick, self.packs = nick, packs
        self.static, self.eph = keypair(), keypair()
        self.sid = struct.unpack(">Q", os.urandom(8))[0] | 1
        self.peer_sid = None
        self.tx = self.rx = None
        self.counter = 0

    def _who(self):
        return "n=%s i=%s e=%s%s" % (self.nick, b64(self.static[0]),
                                      b64(self.eph[0]),
                                      " p=1" if self.packs else "")

    def hello(self, dsid=None):
        """A HELLO with a greeting long enough to pay for the answer (a
        uvqq sends a stranger no more bytes than it got)."""
        head = "uvqq/1 HELLO s=%016x%s %s" % (
            self.sid, " d=%016x" % dsid if dsid else "", self._who())
        return (head + "\nHello from a hand-made peer. " + "." * 400).encode()

    def take(self, keys):
        """Take the session a HELLO or WELCOME (parsed keys) proposes."""
        self.peer_sid = int(keys["s"], 16)
        self.tx, self.rx = derive(self.static, self.eph, self.sid,
                                  unb64(keys["i"]), unb64(keys["e"]),
                                  self.peer_sid)

    def check_proof(self, keys, body, head):
        return aead_open(self.rx, int(keys["c"]), unb64(body.decode()),
                         head) is not None

    def welcome(self):
        self.counter += 1
        head = ("uvqq/1 WELCOME s=%016x d=%016x %s c=%d" % (
            self.sid, self.peer_sid, self._who(), self.counter)).encode()
        return head + b"\n" + b64(aead_seal(self.tx, self.counter, b"",
                                            head)).encode()

    def seal(self, plain, counter=None):
        if counter is None:
            self.counter += 1
            counter = self.counter
        head = ("uvqq/1 SEAL s=%016x d=%016x c=%d" % (
            self.sid, self.peer_sid, counter)).encode()
        return head + b"\n" + b64(aead_seal(self.tx, counter, plain,
                                            head)).encode()

    def open(self, datagram):
        """The frames inside a SEAL, or None if it does not open."""
        kind, keys, body, head = parse(datagram)
        if kind != "SEAL":
            return None
        plain = aead_open(self.rx, int(keys["c"]), unb64(body.decode()), head)
        return None if plain is None else frames_of(plain)

    def frame(self, text):
        """A frame of ours in the clear, as it goes inside a seal."""
        return ("uvqq/1 %s" % text).replace("SID", "%016x" % self.sid) \
            .encode()

    def handshake_with(self, port, timeout=10):
        """Answer uvqq's HELLO (it added us) until both took the session:
        returns uvqq's address as (ip, port)."""
        while True:
            data, src = self.sock.recvfrom(65536)
            kind, keys, body, head = parse(data)
            if kind == "HELLO":
                self.take(keys)
                self.sock.sendto(self.welcome(), src)
            elif kind == "WELCOME" and self.check_proof(keys, body, head):
                return src
            elif kind == "SEAL" and self.open(data) is not None:
                return src

    def close(self):
        self.sock.close()
