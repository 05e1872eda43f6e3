"""relay.py: a lossy UDP path between two peers, for tests.

    A <-> [port a_side] relay [port b_side] <-> B

A sends to a_side and the relay forwards to B from b_side, so B sees A as
127.0.0.1:b_side; B sends to b_side and A sees B as 127.0.0.1:a_side. Each
datagram is dropped, duplicated and delayed (which reorders) at the given
rates, from a seeded random generator so a run can be repeated.
"""
import heapq
import random
import select
import socket
import threading
import time


class Relay:
    def __init__(self, a_port, b_port, drop=0.0, dup=0.0, delay_ms=0.0,
                 seed=1):
        # drop_to_a and drop_to_b, when set, are the loss rate towards A
        # or B alone; tests may change them while the relay runs.
        self.drop_to_a = self.drop_to_b = None
        # deaf_a, when set: everything towards A is lost for this many
        # seconds from A's first datagram (timed here, not by a test
        # thread that may run late).
        self.deaf_a, self.first_from_a = None, None
        self.a = ("127.0.0.1", a_port)
        self.b = ("127.0.0.1", b_port)
        self.drop, self.dup, self.delay = drop, dup, delay_ms / 1000.0
        self.rng = random.Random(seed)
        self.a_side = self._socket()
        self.b_side = self._socket()
        self.a_port = self.a_side.getsockname()[1]
        self.b_port = self.b_side.getsockname()[1]
        self.stats = dict(forwarded=0, dropped=0, duplicated=0)
        self.queue = []          # (when, seq, socket, data, address)
        self.seq = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _socket():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        return s

    def _schedule(self, sock, data, to):
        now = time.monotonic()
        drop = self.drop
        if to == self.b and self.first_from_a is None:
            self.first_from_a = now
        if to == self.a and self.deaf_a is not None and \
                now - self.first_from_a < self.deaf_a:
            drop = 1.0
        elif to == self.a and self.drop_to_a is not None:
            drop = self.drop_to_a
        elif to == self.b and self.drop_to_b is not None:
            drop = self.drop_to_b
        if self.rng.random() < drop:
            self.stats["dropped"] += 1
            return
        copies = 2 if self.rng.random() < self.dup else 1
        self.stats["duplicated"] += copies - 1
        for _ in range(copies):
            when = now + self.rng.random() * self.delay
            self.seq += 1
            heapq.heappush(self.queue, (when, self.seq, sock, data, to))

    def _run(self):
        while not self.stopping:
            now = time.monotonic()
            while self.queue and self.queue[0][0] <= now:
                _, _, sock, data, to = heapq.heappop(self.queue)
                try:
                    sock.sendto(data, to)
                    self.stats["forwarded"] += 1
                except OSError:
                    pass        # the far end is gone: like the network
            wait = 0.05 if not self.queue else max(0.0, self.queue[0][0] - now)
            ready, _, _ = select.select([self.a_side, self.b_side], [], [],
                                        wait)
            for sock in ready:
                for _ in range(64):
                    try:
                        data, frm = sock.recvfrom(65536)
                    except (BlockingIOError, OSError):
                        break
                    if sock is self.a_side:
                        self._schedule(self.b_side, data, self.b)
                    else:
                        self._schedule(self.a_side, data, self.a)
                    sock.setblocking(False)
                sock.setblocking(True)

    def close(self):
        self.stopping = True
        self.thread.join(timeout=2)
        self.a_side.close()
        self.b_side.close()
