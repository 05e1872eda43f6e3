"""test_docs.py: the man page, the bash completion and the install tree
agree with the program, so they cannot drift apart (issue 15).

What the program offers is read from the program itself: its options from
`uvqq --help`, its slash commands from `/help` in headless mode (the
command table, src/cmd.c's cmd_table). Each must be in the man page's
option or command lists, each option in the completion script, and the
other way round; a failure names what is missing where.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "..", "assets")
MAN = os.environ.get("UVQQ_MAN", os.path.join(ASSETS, "uvqq.1"))
COMPLETION = os.environ.get("UVQQ_COMPLETION",
                            os.path.join(ASSETS, "uvqq.bash-completion"))
# bash-completion's own functions, when installed: the script is tried
# with them (as bash-completion loads it) and without (sourced by hand).
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def uvqq(*args, stdin=b""):
    p = subprocess.run([harness.UVQQ] + list(args), input=stdin,
                       capture_output=True, timeout=harness.TIMEOUT)
    check(p.returncode == 0, "uvqq %s: exit %d: %s" %
          (" ".join(args), p.returncode, p.stderr.decode()))
    return p.stdout.decode()


def help_options():
    """Every option in `uvqq --help`, short and long, in its order."""
    opts = []
    for line in uvqq("--help").splitlines():
        # "  -p, --port PORT  ..." or "      --heartbeat MS  ..."; the
        # continuation lines of a description start with no dash.
        m = re.match(r"^ +(?:(-[A-Za-z0-9]), +)?(--[a-z][a-z0-9-]*)", line)
        if m:
            opts += [o for o in m.groups() if o]
    check("--help" in opts and "--version" in opts and len(opts) > 10,
          "cannot parse uvqq --help: found only %s" % opts)
    return opts


def table_commands():
    """Every slash command in the command table, as /help lists them."""
    out = uvqq("--headless", "--no-config", "--no-history", "--port", "0",
               "--bind", "127.0.0.1", stdin=b"/help\n/quit\n")
    # {"event":"info","text":"  /close [PEER]: forget a peer ..."}
    cmds = re.findall(r'"event":"info","text":"  /([a-z][a-z0-9-]*)[ :]',
                      out)
    check("help" in cmds and "quit" in cmds and len(cmds) > 5,
          "cannot parse the commands in /help: found only %s\n%s" %
          (cmds, out))
    return cmds


def man_lists():
    """The options (Fl) and commands (Ic) the man page's lists describe,
    that is, named on its .It lines (mdoc: `.It Fl p , Fl -port Ar port`,
    `.It Ic /peer Ar addr`)."""
    opts, cmds = [], []
    with open(MAN, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if not words or words[0] != ".It":
                continue
            for macro, arg in zip(words, words[1:]):
                if macro == "Fl":
                    opts.append("-" + arg)
                elif macro == "Ic" and arg.startswith("/"):
                    cmds.append(arg[1:])
    return opts, cmds


def same(want, have, want_where, have_where):
    """Fail naming what one list lacks and the other has."""
    missing = [x for x in want if x not in have]
    extra = [x for x in have if x not in want]
    problems = []
    if missing:
        problems.append("missing from %s: %s" %
                        (have_where, " ".join(missing)))
    if extra:
        problems.append("in %s but not in %s: %s" %
                        (have_where, want_where, " ".join(extra)))
    check(not problems, "; ".join(problems))


def test_every_option_is_in_the_man_page():
    opts, _ = man_lists()
    same(help_options(), opts, "uvqq --help", "the man page's options")


def test_every_command_is_in_the_man_page():
    _, cmds = man_lists()
    same(["/" + c for c in table_commands()], ["/" + c for c in cmds],
         "the command table", "the man page's commands")


def test_every_option_is_in_the_completion():
    with open(COMPLETION, encoding="utf-8") as f:
        script = f.read()
    missing = [o for o in help_options()
               if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o),
                                script)]
    check(not missing, "missing from %s: %s" %
          (os.path.basename(COMPLETION), " ".join(missing)))


def bash_complete(line, helpers, cwd):
    """What bash offers after `line` (the word being completed is the
    last; a trailing space starts a new one), through the function the
    script registers for uvqq with `complete -F`."""
    words = line.split(" ")
    # bash breaks "--opt=value" into "--opt" "=" "value", and "ip:port"
    # at the ":" too (COMP_WORDBREAKS).
    words = [w for word in words
             for w in re.split(r"([=:])", word) if w != ""] + \
        ([""] if line[-1:] in (" ", "=", ":") else [])
    prog = r'''
        [ -n "$UVQQ_BC" ] && source "$UVQQ_BC"
        source "$UVQQ_SCRIPT" || exit 3
        [[ $(complete -p uvqq) =~ -F\ ([^ ]+) ]] || exit 4
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        COMP_LINE=$UVQQ_LINE; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        "${BASH_REMATCH[1]}" uvqq "${COMP_WORDS[COMP_CWORD]}" \
            "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    '''
    env = dict(os.environ, UVQQ_SCRIPT=os.path.abspath(COMPLETION),
               UVQQ_LINE=line, UVQQ_BC=BASH_COMPLETION if helpers else "")
    p = subprocess.run(["bash", "-c", prog, "bash"] + words, cwd=cwd,
                       env=env, capture_output=True, text=True,
                       timeout=harness.TIMEOUT)
    check(p.returncode == 0, "bash completion of %r: exit %d: %s" %
          (line, p.returncode, p.stderr))
    return sorted(w for w in p.stdout.split("\n") if w)


def test_the_completion_completes():
    if shutil.which("bash") is None:
        print("     (no bash: the completion is not run)")
        return
    modes = [False]
    if os.path.exists(BASH_COMPLETION):
        modes.append(True)
    else:
        print("     (no bash-completion: tried in plain bash only)")
    opts = help_options()
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "data1"))
        os.mkdir(os.path.join(d, "data2"))
        for name in ("conf.rc", "dfile"):
            open(os.path.join(d, name), "w").close()
        for helpers in modes:
            for line, want in [
                    ("uvqq -", sorted(opts)),
                    ("uvqq --he", ["--headless", "--heartbeat", "--help"]),
                    ("uvqq --no-", ["--no-config", "--no-discovery",
                                   "--no-history"]),
                    ("uvqq -H 127.0.0.1:9001 --data-dir d",
                     ["data1", "data2"]),
                    ("uvqq --data-dir=", ["data1", "data2"]),
                    ("uvqq --config c", ["conf.rc"]),
                    ("uvqq --config=c", ["conf.rc"]),
                    ("uvqq --port ", [])]:
                got = bash_complete(line, helpers, d)
                print("     %s%r -> %s" %
                      ("bash-completion: " if helpers else "plain bash: ",
                       line, " ".join(got)))
                if line == "uvqq -":
                    same(want, got, "uvqq --help", "what completing - offers")
                check(got == want, "%r completes to %s, not %s" %
                      (line, got, want))


def test_version_is_the_package_version():
    want = os.environ.get("UVQQ_PROJECT_VERSION")
    if not want:
        return
    out = uvqq("--version")
    check(out.startswith("uvqq %s " % want),
          "uvqq --version says %r; the package (CMakeLists.txt) is %s" %
          (out.strip(), want))


def test_install_tree():
    """`cmake --install` with DESTDIR and a prefix: exactly the program,
    the man page, the example config and the completion (no tests)."""
    build, cmake = os.environ.get("UVQQ_BUILD_DIR"), os.environ.get("CMAKE")
    if not build or not cmake:
        return
    compdir = os.environ.get("UVQQ_BASH_COMPLETION_DIR",
                             "share/bash-completion/completions")
    compdir = compdir.lstrip("/") if compdir.startswith("/") \
        else "usr/" + compdir
    with tempfile.TemporaryDirectory() as dest:
        p = subprocess.run([cmake, "--install", build, "--prefix", "/usr"],
                           env=dict(os.environ, DESTDIR=dest),
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, "cmake --install: %s" % p.stderr)
        files = sorted(os.path.relpath(os.path.join(top, f), dest)
                       for top, _, names in os.walk(dest) for f in names)
        print("     " + "\n     ".join(files))
        man = [f for f in files if f.startswith("usr/share/man/man1/uvqq.1")]
        same(["usr/bin/uvqq", "usr/share/doc/uvqq/examples/uvqqrc",
              compdir + "/uvqq"] + man[:1], files,
             "the expected files", "the install tree")
        check(man, "no man page in usr/share/man/man1")

        def read(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                return f.read()
        for installed, source in [(man[0], MAN),
                                  (compdir + "/uvqq", COMPLETION)]:
            check(read(os.path.join(dest, installed)) == read(source),
                  "%s is not %s" % (installed, source))
        out = subprocess.run([os.path.join(dest, "usr/bin/uvqq"),
                              "--version"], capture_output=True, text=True,
                             timeout=harness.TIMEOUT).stdout
        check(out.startswith("uvqq "), "installed uvqq --version: %r" % out)


if __name__ == "__main__":
    sys.exit(run([test_every_option_is_in_the_man_page,
                  test_every_command_is_in_the_man_page,
                  test_every_option_is_in_the_completion,
                  test_the_completion_completes,
                  test_version_is_the_package_version,
                  test_install_tree]))
