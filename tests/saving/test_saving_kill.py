"""A save killed at any moment leaves the old file or the new one, never a mix or nothing.

A child process (a fork of one saving process started per module) saves model B over
model A's file and is killed (SIGKILL) at a chosen step of the save: right before each
``os.replace``, ``renameat2`` or file write the save makes (the child counts them and
kills itself at step ``k``). After each kill the target loads as exactly A or exactly B,
or (sharded, killed between shard renames) fails with a documented error naming the
mixed shard; the next save cleans up.
"""
import os
import re
import select
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hardening_helpers import small_model, weight_values

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One process builds model B once and reads requests "target fmt kill_at" on stdin; each
# save runs in a fork of it (a process of its own, killed alone), whose replies end with
# "exit <code>": the fork's exit code as subprocess gives it, -9 for the SIGKILL.
SAVER = textwrap.dedent("""
    import os, signal, sys, traceback
    sys.path[:0] = [{root!r}, {tests!r}]
    import minikeras.saving.files as files
    from hardening_helpers import small_model
    model = small_model(compiled=False, seed=2)


    def save(target, fmt, kill_at):
        steps = [0]

        def step(real):
            def wrapped(*args, **kwargs):
                steps[0] += 1
                if steps[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)
            return wrapped
        os.replace = step(os.replace)
        files._exchange = step(files._exchange)
        if fmt == "folder":
            model.save(target, zipped=False)
        elif fmt == "weights.json":
            model.save_weights(target, max_shard_size=0.0000005)
        elif fmt.startswith("weights"):
            model.save_weights(target)
        else:
            model.save(target)
        print("steps", steps[0])


    for request in sys.stdin:
        target, fmt, kill_at = request.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                save(target, fmt, int(kill_at))
            except BaseException:
                traceback.print_exc(file=sys.stdout)
                code = 1
            sys.stdout.flush()
            os._exit(code)
        print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
""")

FORMATS = {"weights.h5": "w.weights.h5", "weights.json": "w.weights.json", "keras": "m.keras",
           "h5": "m.h5", "folder": "m.keras"}


class Saver:
    """The saving process, started once per module (one interpreter start and one model
    build instead of one per killed save)."""

    def __init__(self):
        script = SAVER.format(root=ROOT, tests=os.path.join(ROOT, "tests", "saving"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=dict(os.environ, OPENBLAS_NUM_THREADS="1",
                                               OMP_NUM_THREADS="1"))  # one thread: safe forks

    def run(self, target, fmt, kill_at, timeout=120):
        """(exit code, output) of one save of model B to ``target``, killed at step
        ``kill_at`` of the save."""
        self.process.stdin.write(f"{target} {fmt} {kill_at}\n".encode())
        self.process.stdin.flush()
        out, deadline = b"", time.monotonic() + timeout
        while not re.search(rb"(^|\n)exit -?\d+\n$", out):
            ready = select.select([self.process.stdout], [], [],
                                  max(0.0, deadline - time.monotonic()))[0]
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            assert chunk, f"the saving process gave no answer in {timeout} s: {out[-2000:]}"
            out += chunk
        text, code = out.decode().rsplit("exit ", 1)
        return int(code), text

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def saver():
    saver = Saver()
    yield saver
    saver.close()


def load_values(fmt, target):
    model = small_model(compiled=False, seed=5)
    model.load_weights(target)
    return weight_values(model)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_killed_save_leaves_the_old_or_the_new_file(tmp_path, saver, fmt):
    target = str(tmp_path / FORMATS[fmt])
    old, new = small_model(compiled=False, seed=1), small_model(compiled=False, seed=2)
    save = (lambda m: m.save(target, zipped=False)) if fmt == "folder" else \
        (lambda m: m.save_weights(target, max_shard_size=0.0000005)) if fmt == "weights.json" \
        else (lambda m: m.save_weights(target)) if fmt == "weights.h5" else (lambda m: m.save(target))
    code, output = saver.run(target, fmt, kill_at=10 ** 6)
    assert code == 0, output
    total = int(output.split()[-1])
    assert total >= 1
    outcomes = set()
    for kill_at in range(1, total + 1):
        save(old)
        code, output = saver.run(target, fmt, kill_at)
        assert code == -9, output
        try:
            values = load_values(fmt, target)
        except ValueError as error:  # only a sharded save can be caught between its renames
            assert fmt == "weights.json" and "SHA-256" in str(error), error
            outcomes.add("refused")
        else:
            is_old = all(np.array_equal(a, b) for a, b in zip(values, weight_values(old)))
            is_new = all(np.array_equal(a, b) for a, b in zip(values, weight_values(new)))
            assert is_old or is_new, f"killed at step {kill_at}: a mix of two saves"
            outcomes.add("old" if is_old else "new")
        save(old)  # the next save cleans what the killed one left
        leftovers = [n for n in os.listdir(tmp_path) if n.endswith((".tmp", ".tmpdir"))]
        assert leftovers == [], leftovers
    assert "old" in outcomes
