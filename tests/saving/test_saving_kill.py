"""A save killed at any moment leaves the old file or the new one, never a mix or nothing.

A child process saves model B over model A's file and is killed (SIGKILL) at a chosen
step of the save: right before each ``os.replace``, ``renameat2`` or file write the
save makes (the child counts them and kills itself at step ``k``). After each kill the
target loads as exactly A or exactly B, or (sharded, killed between shard renames)
fails with a documented error naming the mixed shard; the next save cleans up.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hardening_helpers import small_model, weight_values

import minikeras as keras

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{root!r}, {tests!r}]
    import minikeras.saving.files as files
    from hardening_helpers import small_model
    target, fmt, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = small_model(compiled=False, seed=2)
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
""")

FORMATS = {"weights.h5": "w.weights.h5", "weights.json": "w.weights.json", "keras": "m.keras",
           "h5": "m.h5", "folder": "m.keras"}


def run_child(tmp_path, target, fmt, kill_at):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=ROOT, tests=os.path.join(ROOT, "tests", "saving")))
    return subprocess.run([sys.executable, str(script), target, fmt, str(kill_at)],
                          capture_output=True, text=True, timeout=120)


def load_values(fmt, target):
    model = small_model(compiled=False, seed=5)
    model.load_weights(target)
    return weight_values(model)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_killed_save_leaves_the_old_or_the_new_file(tmp_path, fmt):
    target = str(tmp_path / FORMATS[fmt])
    old, new = small_model(compiled=False, seed=1), small_model(compiled=False, seed=2)
    save = (lambda m: m.save(target, zipped=False)) if fmt == "folder" else \
        (lambda m: m.save_weights(target, max_shard_size=0.0000005)) if fmt == "weights.json" \
        else (lambda m: m.save_weights(target)) if fmt == "weights.h5" else (lambda m: m.save(target))
    finished = run_child(tmp_path, target, fmt, kill_at=10 ** 6)
    assert finished.returncode == 0, finished.stderr
    total = int(finished.stdout.split()[-1])
    assert total >= 1
    outcomes = set()
    for kill_at in range(1, total + 1):
        save(old)
        killed = run_child(tmp_path, target, fmt, kill_at)
        assert killed.returncode == -9, killed.stderr
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
