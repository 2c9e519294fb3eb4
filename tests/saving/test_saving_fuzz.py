"""Loader fuzz: mutated files of every format end in a documented error or an exact load.

Each case mutates the bytes of a file saved by a trained model (bit flips, overwritten
or zeroed runs, truncation, duplicated runs; half of them aimed at the first 4 KiB,
where the HDF5 and zip headers live) and loads it into another compiled model:

* a documented error (ValueError / TypeError) must leave that model bit-identical;
* a load that succeeds must be whole: every variable the file changes is changed, and a
  second load of the same file into another model gives the same state;
* anything else (KeyError, RecursionError, OSError, ...) is a leak.

Seeded and fast by default: 100 cases per format, a stratified sample in which each of
the 5 mutation kinds hits the first 4 KiB and the whole file 10 times each (offsets, runs
and victims drawn at random); ``MINIKERAS_LONG_FUZZ=1`` runs 20 times as many cases.
"""
import collections
import os
import warnings

import numpy as np
import pytest
from hardening_helpers import DOCUMENTED, small_model, state

import minikeras as keras

CASES = 100 * (20 if os.environ.get("MINIKERAS_LONG_FUZZ") == "1" else 1)
FORMATS = ("weights.h5", "keras", "h5", "weights.json")


KINDS = 5  # bit flips, random run, zeroed run, truncation, duplicated run


def mutate(data, rng, case):
    """``data`` with one mutation: kind ``case % KINDS``, aimed at the first 4 KiB on
    even rounds of the kinds and anywhere in the file on odd ones (every kind meets
    both regions equally often)."""
    data = bytearray(data)
    kind = case % KINDS
    span = 4096 if (case // KINDS) % 2 == 0 else len(data)
    at = int(rng.integers(0, min(span, len(data))))
    if kind == 0:  # flip a few bits
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(0, min(span, len(data))))
            data[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:  # overwrite a run with random bytes
        n = int(rng.integers(1, 64))
        data[at:at + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()[:len(data[at:at + n])]
    elif kind == 2:  # zero a run
        n = int(rng.integers(1, 256))
        data[at:at + n] = bytes(len(data[at:at + n]))
    elif kind == 3:  # truncate
        del data[at:]
    else:  # duplicate a run over another place
        n = int(rng.integers(1, 128))
        to = int(rng.integers(0, len(data)))
        chunk = data[at:at + n]
        data[to:to + len(chunk)] = chunk
    return bytes(data)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{format: (path, {file name: bytes})} of one trained, compiled model, and its state
    under the key "state"."""
    folder = tmp_path_factory.mktemp("fuzz_source")
    model = small_model(compiled=True, seed=1)
    out = {}
    for fmt in FORMATS:
        path = str(folder / f"m.{fmt}")
        if fmt.startswith("weights"):
            kwargs = {"max_shard_size": 0.0000005} if fmt == "weights.json" else {}
            model.save_weights(path, **kwargs)
        else:
            model.save(path)
        names = sorted(n for n in os.listdir(folder) if n.startswith("m") and
                       (n == f"m.{fmt}" or (fmt == "weights.json" and n.endswith(".weights.h5")
                                            and n != "m.weights.h5")))
        out[fmt] = (path, {n: open(folder / n, "rb").read() for n in names})
    out["state"] = state(model)
    return out


def load(fmt, path, target, whole_model=True):
    if fmt in ("keras", "h5") and whole_model:
        keras.models.load_model(path)
    target.load_weights(path)


def fresh_twin(cache={}):
    """The compiled seed-3 model in the state it was built in: built once, then reset by
    assigning its first values back (rebuilt if a load left it otherwise)."""
    if "model" in cache:
        model, first = cache["model"], cache["first"]
        for variable, value in zip(all_variables(model), first):
            variable.assign(value)
        if state(model) == cache["state"]:
            return model
    model = cache["model"] = small_model(compiled=True, seed=3)
    cache["first"] = [variable.numpy().copy() for variable in all_variables(model)]
    cache["state"] = state(model)
    return model


def all_variables(model):
    return list(model.weights) + list(model.optimizer.variables)


def check_load(fmt, path, target, tally, source_state):
    before = state(target)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(fmt, path, target)
    except DOCUMENTED:
        tally["documented errors"] += 1
        if state(target) != before:
            tally["partial loads"] += 1
        return
    except Exception as error:  # noqa: BLE001 - anything undocumented is what we count
        tally["leaks"] += 1
        tally.setdefault("leak examples", []).append(f"{type(error).__name__}: {error}"[:200])
        return
    tally["exact loads"] += 1
    after = state(target)
    layers = len(target.weights)
    # every layer variable the source model has differently from the target must change
    for old, new, src in zip(before[:layers], after[:layers], source_state[:layers]):
        if old != src and new == old:
            tally["partial loads"] += 1
            return
    twin = fresh_twin()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the same weights load again; load_model of this file has already succeeded
        load(fmt, path, twin, whole_model=False)
    if state(twin)[:layers] != after[:layers]:
        tally["partial loads"] += 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_files_end_in_a_documented_error_or_an_exact_load(tmp_path, saved, fmt):
    (source_path, files), source_state = saved[fmt], saved["state"]
    rng = np.random.default_rng(FORMATS.index(fmt))
    target = small_model(compiled=True, seed=2)
    tally = collections.Counter()
    path = str(tmp_path / os.path.basename(source_path))
    for case in range(CASES):
        names = sorted(files)
        victim = names[int(rng.integers(len(names)))]
        for name, data in files.items():
            with open(tmp_path / name, "wb") as f:
                f.write(mutate(data, rng, case) if name == victim else data)
        tally["files"] += 1
        tally["loads"] += 2 if fmt in ("keras", "h5") else 1
        check_load(fmt, path, target, tally, source_state)
    print(f"\nfuzz {fmt}: {dict(tally)}")
    assert tally["leaks"] == 0, tally["leak examples"][:5]
    assert tally["partial loads"] == 0
    assert tally["documented errors"] > CASES // 10  # the mutations do reach the checks
