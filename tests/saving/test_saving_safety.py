"""Files hold data, never code; a crash while saving never damages the file already there."""
import io
import pathlib
import tokenize

import numpy as np
import pytest
from saving_helpers import dense_model, reference_model

import minikeras.saving.legacy_h5 as legacy_h5
import minikeras.saving.weights_h5 as weights_h5

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "minikeras"
BANNED_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "dill", "cloudpickle", "shelve",
                  "joblib"}
WATCHED_NAMES = BANNED_MODULES | {"eval", "exec", "__import__", "allow_pickle"}


def code_offences(source):
    """(line, text) of each use of a code-loading module, eval/exec, or allow_pickle=True.

    Works on tokens, so words in strings, docstrings and comments do not count; a method
    named ``eval`` (``def eval``, ``obj.eval()``) is not the builtin.
    """
    if not any(word in source for word in WATCHED_NAMES):
        return []  # every token is a piece of the source: no watched word, no offence
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
                                tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME:
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if tok.string in BANNED_MODULES:
            found.append((tok.start[0], tok.string))
        elif tok.string in ("eval", "exec", "__import__") and after == "(" and \
                before not in (".", "def"):
            found.append((tok.start[0], tok.string + "("))
        elif tok.string == "allow_pickle" and after == "=" and \
                i + 2 < len(tokens) and tokens[i + 2].string != "False":
            found.append((tok.start[0], "allow_pickle=" + tokens[i + 2].string))
    return found


def test_the_scanner_catches_each_banned_call():
    bad = ("import pickle\nfrom marshal import loads\ny = eval('1')\nexec('x = 1')\n"
           "np.load(f, allow_pickle=True)\n")
    assert [text for _, text in code_offences(bad)] == [
        "pickle", "marshal", "eval(", "exec(", "allow_pickle=True"]
    fine = ('"""Never pickle."""\n# eval( in a comment\ndef eval(self):\n    pass\n'
            "opt.eval()\nnp.load(f, allow_pickle=False)\n")
    assert code_offences(fine) == []


def test_the_package_never_loads_code():
    offences = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found = code_offences(path.read_text(encoding="utf-8"))
        if found:
            offences[str(path.relative_to(PACKAGE.parent))] = found
    assert offences == {}, f"pickle/marshal/eval/exec found in the package: {offences}"


# ---- crash safety -------------------------------------------------------------------------
def _crash_after_first_group(monkeypatch):
    real = weights_h5.write_entries

    def half_then_crash(h5file, entries):
        real(h5file, entries[:1])
        raise RuntimeError("simulated crash while saving")
    monkeypatch.setattr(weights_h5, "write_entries", half_then_crash)


@pytest.mark.parametrize("name", ["m.weights.h5", "m.keras"])
def test_a_crash_while_saving_keeps_the_old_file(tmp_path, monkeypatch, name):
    path = tmp_path / name
    model = reference_model()
    (model.save_weights if name.endswith(".weights.h5") else model.save)(path)
    old = path.read_bytes()
    model.fit(np.ones((4, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]],
              verbose=0)
    _crash_after_first_group(monkeypatch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        (model.save_weights if name.endswith(".weights.h5") else model.save)(path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_a_crash_while_saving_h5_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    model = reference_model()
    model.save(path)
    old = path.read_bytes()

    def crash(model, h5file):
        raise RuntimeError("simulated crash while saving")
    monkeypatch.setattr(legacy_h5, "write_optimizer_weights", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.save(path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.h5"]


def test_a_crash_before_the_first_save_leaves_no_file(tmp_path, monkeypatch):
    _crash_after_first_group(monkeypatch)
    with pytest.raises(RuntimeError):
        dense_model().save_weights(tmp_path / "new.weights.h5")
    assert list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        dense_model().save_weights(tmp_path / "no" / "such" / "w.weights.h5")
