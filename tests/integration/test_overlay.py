"""test_overlay.py: two uvqq behind two real NATs chat over Yggdrasil
(issue 14), on a simulated internet made of network namespaces.

    internet (bridge br0 in ns "inet", 203.0.113.0/24, IPv4 only)
      |-- public  203.0.113.1   yggdrasil listening on tcp://203.0.113.1:PORT
      |-- nat1    203.0.113.11  MASQUERADE; nothing inbound but replies
      |     `-- home1 192.168.1.2  yggdrasil (peered out to public), alice
      `-- nat2    203.0.113.12  MASQUERADE; nothing inbound but replies
            `-- home2 192.168.1.2  yggdrasil (peered out to public), bob

Both homes use the same private subnet, as real homes do; the only way
between them is the overlay. alice adds bob by his 200::/7 address, bob
adds nobody; they chat both ways, sealed, every message once. A plain
UDP datagram from home1 to nat2's public address reaches nat2 and stops
there. Nothing here reaches the machine's own interfaces: every link is
inside a namespace this test makes, and yggdrasil has no public peers and
no multicast discovery.

Skips (exit 77) when not root, without `ip netns`, or without the
yggdrasil or iptables packages (the README's test command does not
install yggdrasil; .ci/run does).
"""
import ipaddress
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from harness import Uvqq, check, TestFailure  # noqa: E402

YGG_PORT = 7040           # public node's peering port (inside its ns)
SINK_PORT = 8097          # the UDP port the NAT test aims at
INET = "203.0.113.%d"     # TEST-NET-3: documentation, never routed
HOME_NET = "192.168.1.%d"
STEP_TIMEOUT = float(os.environ.get("UVQQ_OVERLAY_TIMEOUT", "30"))

NAT_RULES = """*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -i lan0 -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -i wan0 -p udp -j DROP
-A FORWARD -i lan0 -o wan0 -j ACCEPT
-A FORWARD -i wan0 -o lan0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
COMMIT
"""
# No IPv6 through the routers at all: the internet here is IPv4 only.
NAT_RULES6 = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -i lan0 -j ACCEPT
COMMIT
"""


def log(what, start):
    print("  %6.2fs %s" % (time.monotonic() - start, what))
    sys.stdout.flush()


def yggdrasil_config(path, ifname, peers=(), listen=()):
    """A fresh config (new keys) that peers only where told: no
    multicast discovery, no admin socket; returns the node's address."""
    conf = json.loads(subprocess.run(
        ["yggdrasil", "-genconf", "-json"], check=True, capture_output=True,
        text=True).stdout)
    conf.update({
        "Peers": list(peers),
        "InterfacePeers": {},
        "Listen": list(listen),
        "AdminListen": "none",
        "MulticastInterfaces": [],
        "IfName": ifname,
        "NodeInfoPrivacy": True,
        "NodeInfo": {},
    })
    with open(path, "w") as f:
        json.dump(conf, f)
    os.chmod(path, 0o600)
    addr = subprocess.run(["yggdrasil", "-useconffile", path, "-address"],
                          check=True, capture_output=True,
                          text=True).stdout.strip()
    return str(ipaddress.IPv6Address(addr))


def udp_drops(nat):
    """Packets counted by nat's rule that drops unsolicited UDP from the
    internet."""
    out = nat.run(["iptables-save", "-c", "-t", "filter"]).stdout
    for line in out.splitlines():
        if "-A INPUT -i wan0 -p udp" in line and "DROP" in line:
            return int(line[1:].split(":", 1)[0])
    raise TestFailure("no UDP drop rule on %s:\n%s" % (nat.name, out))


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return str(e)


def build(net, tmp, start):
    """The topology of the module doc; returns a dict of its parts."""
    inet = net.ns("inet")
    public = net.ns("public")
    nats = [net.ns("nat1"), net.ns("nat2")]
    homes = [net.ns("home1"), net.ns("home2")]
    ports = ["pub"]
    net.veth(public, "wan0", inet, "pub")
    public.addr("wan0", INET % 1 + "/24")
    for i, (nat, home) in enumerate(zip(nats, homes), 1):
        net.veth(nat, "wan0", inet, "nat%d" % i)
        ports.append("nat%d" % i)
        nat.addr("wan0", INET % (10 + i) + "/24")
        net.veth(nat, "lan0", home, "eth0")
        nat.addr("lan0", HOME_NET % 1 + "/24")
        home.addr("eth0", HOME_NET % 2 + "/24")
        home.route("default", via=HOME_NET % 1)
        nat.sysctl("net.ipv4.ip_forward", 1)
        nat.run(["iptables-restore"], input=NAT_RULES)
        nat.run(["ip6tables-restore"], input=NAT_RULES6)
        # The TUN address must be usable at once: no duplicate address
        # detection on a point-to-point overlay interface.
        home.sysctl("net.ipv6.conf.all.accept_dad", 0)
        home.sysctl("net.ipv6.conf.default.accept_dad", 0)
    net.bridge(inet, "br0", ports)
    log("namespaces, links, NAT rules", start)

    peer = "tcp://%s:%d" % (INET % 1, YGG_PORT)
    cfg = os.path.join(tmp, "public.conf")
    yggdrasil_config(cfg, "none", listen=[peer])
    logs = {"public": os.path.join(tmp, "public.log")}
    public.popen(["yggdrasil", "-useconffile", cfg, "-logto", "stdout"],
                 log=logs["public"])
    ygg = []
    for i, home in enumerate(homes, 1):
        cfg = os.path.join(tmp, "home%d.conf" % i)
        ygg.append(yggdrasil_config(cfg, "ygg0", peers=[peer]))
        logs["home%d" % i] = os.path.join(tmp, "home%d.log" % i)
        home.popen(["yggdrasil", "-useconffile", cfg, "-logto", "stdout"],
                   log=logs["home%d" % i])
    return dict(inet=inet, public=public, nats=nats, homes=homes, ygg=ygg,
                logs=logs, tmp=tmp)


def wait_overlay(t, start):
    """Until each home has its 200::/7 address and home1 reaches home2
    over it (a UDP echo: there is no ping on a fresh Debian)."""
    for home, addr in zip(t["homes"], t["ygg"]):
        check(ipaddress.IPv6Address(addr) in
              ipaddress.IPv6Network("200::/7"), "yggdrasil address %s" % addr)
        netns.wait_for(
            "%s on ygg0 in %s" % (addr, home.name),
            lambda: any(a == addr and not flags
                        for a, _, flags in home.addresses("ygg0", "inet6")),
            timeout=STEP_TIMEOUT)
    log("overlay addresses up: %s, %s" % tuple(t["ygg"]), start)
    home1, home2 = t["homes"]
    echo = home2.python([netns.HERE, "udp-echo", t["ygg"][1], "7"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = echo.stdout.readline()
    check(line.strip() == b"ready", "echo server: %r" % line)
    took = home1.udp_probe(t["ygg"][1], 7, timeout=STEP_TIMEOUT)
    echo.kill()
    echo.wait()
    echo.stdout.close()
    log("home1 reaches home2 over the overlay (%.2fs of probing)" % took,
        start)


def check_nat(t, start):
    """The homes sit behind real NATs: their peerings leave from the
    routers' public addresses, and a datagram from home1 to nat2's public
    address stops at nat2, while the same port inside home2 is open."""
    est = t["public"].run(["ss", "-Htn", "state", "established"]).stdout
    for i in (1, 2):
        check(INET % (10 + i) + ":" in est,
              "home%d's peering arrives from nat%d's address: %s"
              % (i, i, est))
    check(HOME_NET % 2 not in est, "no private address on the internet")
    home1, home2 = t["homes"]
    nat2 = t["nats"][1]
    sink = home2.python([netns.HERE, "udp-sink", "0.0.0.0", str(SINK_PORT)],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = sink.stdout.readline()
        check(line.strip() == b"ready", "sink: %r" % line)
        before = udp_drops(nat2)
        home1.udp_send(INET % 12, SINK_PORT, "hello through the NAT?")
        netns.wait_for("nat2 to drop the datagram from home1",
                       lambda: udp_drops(nat2) > before,
                       timeout=STEP_TIMEOUT)
        # A control, sent after the drop was counted: the sink is open
        # to whoever can reach it, and it sees only this.
        nat2.udp_send(HOME_NET % 2, SINK_PORT, "control from the router")
        line = sink.stdout.readline().decode().strip()
        check(line == "%s control from the router" % (HOME_NET % 1),
              "home2 got only the control, not home1's datagram: %r"
              % line)
    finally:
        sink.kill()
        sink.wait()
        sink.stdout.close()
    log("NATs are real: home1 -> nat2's public address dropped at nat2", start)


def same_addr(a, b):
    """[v6]:port strings equal up to how the address is written."""
    ha, pa = a.rsplit(":", 1)
    hb, pb = b.rsplit(":", 1)
    return pa == pb and ipaddress.ip_address(ha.strip("[]")) == \
        ipaddress.ip_address(hb.strip("[]"))


def fingerprint(u):
    return next(e for e in u.seen if e["event"] == "ready")["fingerprint"]


def chat(t, start):
    home1, home2 = t["homes"]
    ygg1, ygg2 = t["ygg"]
    alice = bob = None
    try:
        # alice binds the wildcard, bob his overlay address: both work.
        alice = Uvqq(nick="alice", bind="::", wrapper=home1.exec_prefix(),
                     data_dir=os.path.join(t["tmp"], "alice"))
        bob = Uvqq(nick="bob", bind=ygg2, wrapper=home2.exec_prefix(),
                   data_dir=os.path.join(t["tmp"], "bob"))
        check(same_addr(bob.addr, "[%s]:%d" % (ygg2, bob.port)),
              "bob listens on his overlay address: %s" % bob.addr)
        bob_at = "[%s]:%d" % (ygg2, bob.port)
        alice_at = "[%s]:%d" % (ygg1, alice.port)
        # Where friends reach her, read from the interfaces: the overlay
        # address first, in ready and in /whoami.
        check(alice.addresses and same_addr(alice.addresses[0]["addr"],
              alice_at) and alice.addresses[0]["kind"] == "yggdrasil",
              "alice's addresses: %r" % alice.addresses)
        alice.send("/whoami")
        line = alice.wait("info", match=lambda e: e["text"].startswith(
            "reach me at "))["text"]
        check(same_addr(line.split()[3], alice_at) and "Yggdrasil" in line,
              "/whoami: %r" % line)
        # Only alice adds the other: bob learns of her when she arrives.
        alice.send("/peer %s bob" % bob_at)

        def online(at):
            return lambda ev: ev["state"] == "online" and \
                same_addr(ev["peer"], at)
        ev = alice.wait("peer", timeout=STEP_TIMEOUT, match=online(bob_at))
        check(ev["kind"] == "uvqq" and ev["nick"] == "bob", repr(ev))
        check(ev["secure"] is True and
              ev["fingerprint"] == fingerprint(bob), "sealed to bob's key: %r"
              % ev)
        ev = bob.wait("peer", timeout=STEP_TIMEOUT, match=online(alice_at))
        check(ev["kind"] == "uvqq" and ev["nick"] == "alice", repr(ev))
        check(ev["secure"] is True and
              ev["fingerprint"] == fingerprint(alice),
              "sealed to alice's key: %r" % ev)
        alice_seen_by_bob = ev["peer"]
        log("uvqq handshake over the overlay, sealed both ways", start)

        to_bob = ["hello bob, this crossed two NATs",
                  "你好，鲍勃！我们在两个路由器后面聊天。",
                  "mixed 中文 and English over Yggdrasil 👍"]
        to_alice = ["收到了，alice！reply from behind nat2",
                    "再见 and goodbye 🌏"]
        sent = []
        for text in to_bob:
            alice.send(text)
            ev = alice.wait("sent", timeout=STEP_TIMEOUT, text=text)
            sent.append((alice, ev["id"]))
            msg = bob.wait("message", timeout=STEP_TIMEOUT, text=text)
            check(msg["id"] == ev["id"] and msg["nick"] == "alice" and
                  msg["kind"] == "uvqq" and msg["secure"] is True and
                  msg["peer"] == alice_seen_by_bob,
                  "bob got it sealed from alice: %r" % msg)
        for text in to_alice:
            # bob never added alice: /msg finds her by nick.
            bob.send("/msg alice %s" % text)
            ev = bob.wait("sent", timeout=STEP_TIMEOUT, text=text)
            sent.append((bob, ev["id"]))
            msg = alice.wait("message", timeout=STEP_TIMEOUT, text=text)
            check(msg["id"] == ev["id"] and msg["nick"] == "bob" and
                  msg["kind"] == "uvqq" and msg["secure"] is True and
                  same_addr(msg["peer"], bob_at),
                  "alice got it sealed from bob: %r" % msg)
        for who, mid in sent:
            who.wait("delivered", timeout=STEP_TIMEOUT, id=mid)
        check(alice.quit() == 0 and bob.quit() == 0, "clean exits")
        alice.drain()
        bob.drain()
        for who, texts in ((bob, to_bob), (alice, to_alice)):
            got = [e["text"] for e in who.seen if e["event"] == "message"]
            check(got == texts, "each message shown exactly once, in "
                  "order: %r" % got)
        for who in (alice, bob):
            ids = [e["id"] for e in who.seen if e["event"] == "delivered"]
            check(len(ids) == len(set(ids)), "delivered once each: %r" % ids)
            errs = [e for e in who.seen if e["event"] in ("error", "failed")]
            check(not errs, "no errors: %r" % errs)
        log("%d messages, Chinese and English, both ways, each once"
            % len(sent), start)
    finally:
        for u in (alice, bob):
            if u is not None:
                u.kill()


def test_chat_over_yggdrasil_behind_two_nats():
    start = time.monotonic()
    t = None
    with netns.Net() as net:
        try:
            t = build(net, net.tmp, start)
            wait_overlay(t, start)
            check_nat(t, start)
            chat(t, start)
        except Exception:
            if t is not None:
                for name, path in t["logs"].items():
                    print("--- yggdrasil %s log (tail) ---\n%s"
                          % (name, tail(path)))
            raise
    log("torn down", start)


def main():
    return netns.run_tests(
        "overlay test", [test_chat_over_yggdrasil_behind_two_nats],
        programs=("yggdrasil", "iptables-restore", "ip6tables-restore",
                  "ss"),
        packages={"iptables-restore": "iptables",
                  "ip6tables-restore": "iptables", "ss": "iproute2"})


if __name__ == "__main__":
    sys.exit(main())
