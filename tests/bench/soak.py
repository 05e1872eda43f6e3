#!/usr/bin/env python3
"""soak.py: issue 11's scenarios 1 and 2 (tests/integration/scenarios.py),
over and over with random loss seeds and random kill points, on loopback.
A benchmark-style tool, not a test: it reports what it finds.

    python3 tests/bench/soak.py                  # 10 minutes
    python3 tests/bench/soak.py --minutes 60
    python3 tests/bench/soak.py --runs 5 --seed 42
    python3 tests/bench/soak.py --quick          # 5 runs, ~25 s: soak_quick
    python3 tests/bench/soak.py --contact SEED   # repeat one first contact
    python3 tests/bench/soak.py --crash SEED --kill-at K [--n N]

A run is a batch of first contacts side by side (each through a relay
dropping 30% each way, added from one side only: it must end uvqq<->uvqq
within 5 s) and one crash through loss (n messages, B killed with SIGKILL
at a random point from 10% to 90% and restarted: nothing may be lost,
shown twice or left undelivered). Each run prints a line per scenario, and
the end a summary with the seeds and the command to repeat each failure.
A crash run whose own first contact failed (A took B for plain, so its
text went bare, which nothing guarantees) counts as a failed contact, not
as a crash-path finding. It exits 1 if a message was lost, shown or
stored twice, left undelivered or shown out of order, or if so many first
contacts failed that a 99% success rate (issue 11's target) cannot
explain them: the chance of as many failures or more, at 1% each, is
under 1% (each one that failed is listed, and the rate is printed beside
the target); 2 if only the harness failed; else 0. A few hundred contacts
cannot tell 99.5% from 99%: the one-sided test keeps a short run from
failing on chance, and a long soak measures the rate itself. --quick is 5
runs from master seed 1 unless told otherwise.

The binary is $UVQQ, or build/uvqq.
"""
import argparse
import os
import random
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("UVQQ", os.path.join(ROOT, "build", "uvqq"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import scenarios  # noqa: E402

ME = "python3 tests/bench/soak.py"
TARGET = 99.0     # per cent of first contacts uvqq<->uvqq within 5 s
ALPHA = 0.01      # how unlikely, at TARGET, a failure count must be to fail


class Tally:
    """Everything found so far, and how to repeat it."""

    def __init__(self):
        self.contacts = self.contacts_ok = self.crashes = 0
        self.found = []          # (what, the command that repeats it)
        self.slow = []           # first contacts that failed, the same
        self.harness = []        # the same, when it was not uvqq's doing
        self.sums = dict(never_shown=0, shown_twice=0, undelivered=0,
                         stored_twice=0, delivered_twice=0, out_of_order=0,
                         sent=0, delivered=0, stored_not_shown=0)


def contact_batch(t, seeds, args):
    r = scenarios.first_contacts(len(seeds), seeds, parallel=args.parallel,
                                 drop=args.drop)
    t.contacts += r["n"]
    t.contacts_ok += r["ok"]
    print("  contacts: %d/%d uvqq<->uvqq within %gs, plain seen in %d, "
          "slowest %s [%.1fs]" % (
              r["ok"], r["n"], scenarios.WINDOW, r["plain"],
              "-" if r["slowest"] is None else "%.2fs" % r["slowest"],
              r["wall"]))
    for res in r["results"]:
        if res["ok"]:
            continue
        again = "%s --contact %d --drop %g" % (ME, res["seed"], args.drop)
        what = scenarios.describe_contact(res)
        print("    %s\n      repeat: %s" % (what, again))
        (t.harness if res["error"] else t.slow).append(
            ("first contact " + what, again))
    sys.stdout.flush()


def crash_run(t, seed, kill_at, args):
    start = time.monotonic()
    res = scenarios.crash_through_loss(seed, n=args.n, kill_at=kill_at,
                                       drop=args.drop,
                                       deadline=args.deadline)
    t.crashes += 1
    again = "%s --crash %d --kill-at %.2f --n %d --drop %g" % (
        ME, seed, kill_at, args.n, args.drop)
    bad = scenarios.crash_problems(res)
    print("  crash: %s [%.1fs]" % (scenarios.describe_crash(res),
                                   time.monotonic() - start))
    if res.get("error"):
        t.harness.append(("crash seed %d: %s" % (seed, res["error"]), again))
        print("    HARNESS ERROR, repeat: %s" % again)
    elif res["shown_as_plain"]:
        # Its first contact failed (all of one side's handshake datagrams
        # lost): A took B for plain and typed bare text, which the README
        # does not guarantee. That counts against the contact rate, apart
        # from what the crash path itself breaks.
        t.contacts += 1
        what = ("crash seed %d kill at %.2f: first contact ended plain, %d "
                "of %d shown as bare text" % (seed, kill_at,
                                              res["shown_as_plain"], res["n"]))
        t.slow.append((what, again))
        print("    FIRST CONTACT FAILED, %d shown as bare text\n      "
              "repeat: %s" % (res["shown_as_plain"], again))
    else:
        t.contacts += 1
        t.contacts_ok += 1
        for k in t.sums:
            t.sums[k] += res[k]
        if bad or not res["kill_reached"]:
            if not res["kill_reached"]:
                bad.append("B never showed %d%% of the messages"
                           % round(100 * kill_at))
            t.found.append(("crash seed %d kill at %.2f: %s"
                            % (seed, kill_at, "; ".join(bad)), again))
            print("    FOUND %s\n      repeat: %s" % ("; ".join(bad), again))
    sys.stdout.flush()


def guarded(t, what, fn, *a):
    """A harness bug in one run is reported, and the soak goes on."""
    try:
        fn(t, *a)
    except Exception:    # noqa: BLE001 -- anything: report and go on
        text = traceback.format_exc()
        print("    HARNESS EXCEPTION in %s:\n%s" % (what, text))
        t.harness.append(("%s: %s" % (what, text.strip().splitlines()[-1]),
                          ""))


def chance_of_at_least(failed, n, p):
    """The chance that n tries, each failing with probability p, fail
    `failed` times or more (the binomial tail)."""
    below, term = 0.0, (1 - p) ** n      # term: the chance of exactly k
    for k in range(failed):
        below += term
        term *= (n - k) / (k + 1) * p / (1 - p)
    return max(0.0, 1.0 - below)


def summary(t, seed, elapsed):
    print("\nsoak: %.0fs%s" % (elapsed, "" if seed is None
                                else ", master seed %d" % seed))
    rate = 100.0 * t.contacts_ok / t.contacts if t.contacts else 100.0
    chance = chance_of_at_least(t.contacts - t.contacts_ok, t.contacts,
                                1 - TARGET / 100)
    if t.contacts:
        print("first contacts: %d/%d uvqq<->uvqq within %gs (%.1f%%, the "
              "target is %g%%: %s)" % (
                  t.contacts_ok, t.contacts, scenarios.WINDOW, rate, TARGET,
                  "met" if rate >= TARGET else
                  "below it, but %d failures in %d happen %.0f%% of the "
                  "time at %g%%" % (t.contacts - t.contacts_ok, t.contacts,
                                     100 * chance, TARGET)
                  if chance >= ALPHA else "MISSED"))
    if t.crashes:
        s = t.sums
        print("crash runs: %d; sent %d, delivered %d; lost %d, shown twice "
              "%d, undelivered %d, stored twice %d, delivered twice %d, out "
              "of order %d (stored but not shown live: %d, allowed)"
              % (t.crashes, s["sent"], s["delivered"], s["never_shown"],
                 s["shown_twice"], s["undelivered"], s["stored_twice"],
                 s["delivered_twice"], s["out_of_order"],
                 s["stored_not_shown"]))
    for title, items in (("FOUND", t.found),
                         ("FIRST CONTACTS THAT FAILED", t.slow),
                         ("HARNESS", t.harness)):
        if items:
            print("%s: %d" % (title, len(items)))
            for what, again in items:
                print("  %s%s" % (what, "\n    repeat: " + again
                                  if again else ""))
    if not t.found and not t.slow and not t.harness:
        print("nothing found")
    return 1 if t.found or chance < ALPHA else 2 if t.harness else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--minutes", type=float,
                     help="run this long (default 10)")
    how.add_argument("--runs", type=int, help="this many runs")
    ap.add_argument("--seed", type=int,
                    help="master seed, picks every run's seeds (default: "
                    "from the clock, printed)")
    ap.add_argument("--quick", action="store_true",
                    help="a short version: 5 runs of 300 messages, about "
                    "25 s (ctest soak_quick)")
    ap.add_argument("--contacts", type=int, default=20,
                    help="first contacts per run (default 20)")
    ap.add_argument("--parallel", type=int, default=20,
                    help="contacts side by side (default 20)")
    ap.add_argument("--n", type=int, default=2000,
                    help="messages per crash run (default 2000)")
    ap.add_argument("--drop", type=float, default=0.3,
                    help="loss each way (default 0.3)")
    ap.add_argument("--deadline", type=float,
                    help="seconds for a crash run's delivery after the "
                    "restart (default 60 for 2000 messages, at least 20)")
    ap.add_argument("--contact", type=int, metavar="SEED",
                    help="run one first contact with this seed, and stop")
    ap.add_argument("--crash", type=int, metavar="SEED",
                    help="run one crash with this seed, and stop")
    ap.add_argument("--kill-at", type=float, default=0.25,
                    help="with --crash: kill B after this share is shown")
    args = ap.parse_args()
    if args.quick:
        # A count of runs, not minutes: a slower machine runs the same
        # seeds, so a test's verdict does not depend on its speed.
        if args.minutes is None and args.runs is None:
            args.runs = 5
        args.n = min(args.n, 300)
    if args.minutes is None and args.runs is None:
        args.minutes = 10.0
    if not os.access(os.environ["UVQQ"], os.X_OK):
        print("soak: no uvqq at %s (build it, or set UVQQ)"
              % os.environ["UVQQ"], file=sys.stderr)
        return 2

    t = Tally()
    start = time.monotonic()
    # The quick mode is a ctest test: the same seeds every time.
    seed = args.seed if args.seed is not None else 1 if args.quick else \
        int(time.time())
    if args.contact is not None or args.crash is not None:
        if args.contact is not None:
            print("first contact, seed %d" % args.contact)
            guarded(t, "contact", contact_batch, [args.contact], args)
        if args.crash is not None:
            print("crash, seed %d, kill at %.2f" % (args.crash, args.kill_at))
            guarded(t, "crash", crash_run, args.crash, args.kill_at, args)
        return summary(t, None, time.monotonic() - start)

    print("soak: uvqq %s, master seed %d, %s; %d contacts a run, %d "
          "messages a crash run, %g%% loss each way" % (
              os.environ["UVQQ"], seed, "%d runs" % args.runs if args.runs
              else "%g minutes" % args.minutes, args.contacts, args.n,
              100 * args.drop))
    rng = random.Random(seed)
    end = None if args.minutes is None else start + 60 * args.minutes
    run = 0
    try:
        while True:
            run += 1
            contact_seeds = [rng.randrange(1, 2 ** 31)
                             for _ in range(args.contacts)]
            crash_seed = rng.randrange(1, 2 ** 31)
            kill_at = round(rng.uniform(0.1, 0.9), 2)
            print("run %d [%.0fs]" % (run, time.monotonic() - start))
            if args.contacts:
                guarded(t, "contacts", contact_batch, contact_seeds, args)
            guarded(t, "crash", crash_run, crash_seed, kill_at, args)
            if args.runs is not None and run >= args.runs:
                break
            if end is not None and time.monotonic() >= end:
                break
    except KeyboardInterrupt:
        print("\ninterrupted")
    return summary(t, seed, time.monotonic() - start)


if __name__ == "__main__":
    sys.exit(main())
