"""Compare what Keras 3 and minikeras print for the same user scripts.

    nice -n 19 /work/venv/bin/python tools/output_fidelity_sweep.py [--pty] [CASE ...]

Runs the cases of tests/fixtures/output_fidelity_cases.py once under real Keras (torch
backend, /work/scratch-keras, in a subprocess) and once under minikeras (this worktree), with
stdout and stderr captured to files as a grader would (or, with ``--pty``, on a
pseudo-terminal, where the progress bar is redrawn in place), and prints a diff of the
normalized text (times as T, redraws rendered) of every case that differs.

``--raw`` compares the captured bytes with only the times normalized (redraws, backspaces
and ANSI styles included); ``--show`` prints both sides of every case. The environment
(TERM, COLORTERM, NO_COLOR, FORCE_COLOR, COLUMNS) is passed on to both runs.
"""
import argparse
import difflib
import os
import pty
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
KERAS_PYTHON = "/work/scratch-keras/bin/python"
MINIKERAS_PYTHON = "/work/venv/bin/python"
MARK = "@@@ case "


def load_cases():
    sys.path.insert(0, FIXTURES)
    import output_fidelity_cases
    return output_fidelity_cases


def run_cases(framework, names, merged):
    """In the child: import ``framework`` as keras and run each case in a fresh directory,
    marking where each case's output starts on stdout (and on stderr unless ``merged``)."""
    import warnings
    if framework == "keras":
        import keras
    else:
        sys.path.insert(0, ROOT)
        import minikeras as keras
    cases = load_cases()
    filters = list(warnings.filters)
    for name in names:
        keras.backend.clear_session()
        warnings.resetwarnings()  # each case warns as a script of its own would
        warnings.filters[:] = filters
        print(MARK + name, flush=True)
        if not merged:
            print(MARK + name, file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                cases.CASES[name](keras)
            except Exception as e:  # an uncaught error ends a user's script
                print(f"UNCAUGHT {type(e).__name__}: {e}", file=sys.stderr)
            os.chdir(ROOT)
        sys.stdout.flush()
        sys.stderr.flush()


def split_by_case(text):
    found, name = {}, None
    for chunk in re.split(f"^({re.escape(MARK)}\\S+)\r?\n", text, flags=re.M):
        if chunk.startswith(MARK):
            name = chunk[len(MARK):]
        elif name is not None:
            found[name] = chunk
    return found


def _command(framework, names, merged):
    python = KERAS_PYTHON if framework == "keras" else MINIKERAS_PYTHON
    args = ["nice", "-n", "19", python, os.path.abspath(__file__), "--child", framework]
    return args + (["--merged"] if merged else []) + list(names)


def _env():
    return dict(os.environ, KERAS_BACKEND="torch", OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1")


def capture(framework, names):
    """{case: (stdout, stderr)} with both captured to files (not a terminal)."""
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        subprocess.run(_command(framework, names, False), stdout=out, stderr=err,
                       env=_env(), cwd=ROOT, check=False)
        out.seek(0)
        err.seek(0)
        stdout = split_by_case(out.read().decode("utf-8", "replace"))
        stderr = split_by_case(err.read().decode("utf-8", "replace"))
    return {name: (stdout.get(name, ""), stderr.get(name, "")) for name in names}


def capture_pty(framework, names):
    """{case: (terminal text, "")} with stdout and stderr on one pseudo-terminal."""
    master, slave = pty.openpty()
    child = subprocess.Popen(_command(framework, names, True), stdin=slave, stdout=slave,
                             stderr=slave, env=_env(), cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    child.wait()
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    found = split_by_case(text)
    return {name: (found.get(name, ""), "") for name in names}


def raw_text(text):
    """``text`` with only the times (and so the backspaces over them) normalized."""
    cases = load_cases()
    text = cases._CLOCK.sub("T", cases._SECONDS.sub("Ts", cases._TIME_PER_UNIT.sub(r"T/\1",
                                                                                   text)))
    return re.sub(" *\n", "\n", re.sub("\x08+", "<BS>", text))


def compare(names, use_pty, raw, show):
    cases = load_cases()
    grab = capture_pty if use_pty else capture
    want, got = grab("keras", names), grab("minikeras", names)
    clean = raw_text if raw else cases.normalize
    same = 0
    for name in names:
        for stream, w, g in zip(("stdout", "stderr"), want[name], got[name]):
            w, g = clean(w).rstrip("\n"), clean(g).rstrip("\n")
            if show:
                print(f"=== {name} ({stream})\n--- keras\n{w}\n--- minikeras\n{g}")
            if w == g:
                continue
            print(f"=== {name} ({stream}) differs")
            diff = difflib.unified_diff([repr(line) if raw else line for line in w.split("\n")],
                                        [repr(line) if raw else line for line in g.split("\n")],
                                        "keras", "minikeras", lineterm="", n=1)
            print("\n".join(diff))
            break
        else:
            same += 1
    print(f"{same}/{len(names)} cases print the same")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--pty", action="store_true")
    parser.add_argument("--raw", action="store_true")
    parser.add_argument("--show", action="store_true", help="print both outputs")
    parser.add_argument("--child")
    parser.add_argument("--merged", action="store_true")
    args = parser.parse_args()
    names = args.cases or list(load_cases().CASES)
    if args.child:
        run_cases(args.child, names, args.merged)
    else:
        compare(names, args.pty, args.raw, args.show)


if __name__ == "__main__":
    main()
