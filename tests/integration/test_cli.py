"""test_cli.py: the command line and headless stdin take bad input well."""
import os
import socket
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Uvqq, check, run  # noqa: E402

# Runs without --data-dir keep their key and history here, not in the
# home of whoever runs the tests.
HOME = tempfile.mkdtemp(prefix="uvqq-cli-home-")
os.environ["XDG_DATA_HOME"] = os.path.join(HOME, "data")
os.environ["XDG_CONFIG_HOME"] = os.path.join(HOME, "config")


def uvqq(*args, stdin=b""):
    p = subprocess.run([harness.UVQQ] + list(args), input=stdin,
                       capture_output=True, timeout=harness.TIMEOUT)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_help_and_version():
    rc, out, err = uvqq("--help")
    check(rc == 0 and "usage: uvqq" in out and "--headless" in out, out)
    rc, out, err = uvqq("-V")
    check(rc == 0 and out.startswith("uvqq "), out)


def test_bad_usage_is_one_line_and_exit_2():
    for args, want in [(["--port", "70000"], "bad port"),
                       (["-p", "x"], "bad port"),
                       (["--bind", "nohost"], "bad bind address"),
                       (["--nick", "a b"], "bad nick"),
                       (["--frob"], "unknown option"),
                       (["--port"], "needs an argument"),
                       (["-H", "127.0.0.1"], "bad peer"),
                       (["-H", "1.2.3.4:0"], "bad peer")]:
        rc, out, err = uvqq(*args)
        check(rc == 2, "%r: exit %d" % (args, rc))
        check(err.startswith("uvqq: ") and want in err and
              err.count("\n") == 1, "%r: %r" % (args, err))


def test_port_in_use_is_a_clear_runtime_error():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    try:
        rc, out, err = uvqq("-H", "-b", "127.0.0.1", "-p", str(port))
        check(rc == 1, "exit %d" % rc)
        check(err == "uvqq: cannot bind 127.0.0.1:%d: address already in "
              "use\n" % port, repr(err))
    finally:
        s.close()


def test_stdin_eof_mid_line_still_sends_the_line():
    b = Uvqq(nick="bob")
    try:
        rc, out, err = uvqq("-H", "-b", "127.0.0.1", "-p", "0",
                            stdin=("/peer %s\nno newline at end" %
                                   b.addr).encode())
        check(rc == 0, "exit %d %s" % (rc, err))
        check(b.wait("message")["text"] == "no newline at end", "sent")
        check('"event":"delivered"' in out, out)
    finally:
        b.kill()


def test_bad_stdin_lines_are_errors_and_the_rest_goes_on():
    b = Uvqq(nick="bob")
    a = Uvqq(nick="alice")
    try:
        a.send("/peer %s" % b.addr)
        a.wait("peer", state="online")
        a.send_bytes(b"bad \xff utf8\n")
        check("UTF-8" in a.wait("error")["text"], "invalid UTF-8")
        a.send_bytes(b"nul \x00 inside\n")
        check("NUL" in a.wait("error")["text"], "NUL")
        a.send_bytes(b"y" * 200000 + b"\n")
        check("longer than" in a.wait("error")["text"], "over-long line")
        a.send("still here\r")
        check(b.wait("message")["text"] == "still here", "CRLF trimmed")
    finally:
        a.kill()
        b.kill()


def test_stdin_from_a_file_and_from_nothing():
    b = Uvqq(nick="bob")
    try:
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                            "uvqq-test-%d.txt" % os.getpid())
        with open(path, "w") as f:
            f.write("/peer %s\nfrom a file 文件\n" % b.addr)
        with open(path) as f:
            p = subprocess.run([harness.UVQQ, "-H", "-b", "127.0.0.1", "-p",
                                "0"], stdin=f, capture_output=True,
                               timeout=harness.TIMEOUT)
        os.unlink(path)
        check(p.returncode == 0, "exit %d" % p.returncode)
        check(b.wait("message")["text"] == "from a file 文件", "file stdin")
        p = subprocess.run([harness.UVQQ, "-H", "-b", "127.0.0.1", "-p", "0"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=harness.TIMEOUT)
        check(p.returncode == 0 and b'"ready"' in p.stdout, "/dev/null")
    finally:
        b.kill()


def test_sigterm_exits_cleanly():
    a = Uvqq()
    a.proc.terminate()
    check(a.proc.wait(timeout=5) == 0, "exit 0 on SIGTERM")


if __name__ == "__main__":
    try:
        rc = run([test_help_and_version,
                  test_bad_usage_is_one_line_and_exit_2,
                  test_port_in_use_is_a_clear_runtime_error,
                  test_stdin_eof_mid_line_still_sends_the_line,
                  test_bad_stdin_lines_are_errors_and_the_rest_goes_on,
                  test_stdin_from_a_file_and_from_nothing,
                  test_sigterm_exits_cleanly])
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    sys.exit(rc)
