"""docs/compatibility.md is what tools/compatibility_page.py generates from the Keras 3 name
list, the registries and the docs' Differences sections: it fails when the page is stale."""
import importlib.util
import json

import pytest

from tests.test_docs import ROOT

spec = importlib.util.spec_from_file_location("compatibility_page",
                                              ROOT / "tools" / "compatibility_page.py")
page_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_tool)


def test_page_is_current():
    expected = page_tool.render()
    assert page_tool.PAGE.read_text(encoding="utf-8") == expected, (
        "docs/compatibility.md is stale: run python tools/compatibility_page.py")


def test_every_keras_name_has_a_row_and_missing_ones_say_no():
    names = json.loads(page_tool.NAMES_FILE.read_text())["families"]
    text = page_tool.PAGE.read_text(encoding="utf-8")
    for family, keras_names in names.items():
        section = text.split(f"\n## {family}\n")[1].split("\n## ")[0]
        for name in keras_names:
            assert f"| `{name}` | " in section, (family, name)
    import minikeras as keras
    missing = [n for n in names["layers"] if not hasattr(keras.layers, n)]
    assert missing and all(f"| `{n}` | **no** |" in text for n in missing)
    assert "| `LSTM` | **no** |" not in text and hasattr(keras.layers, "LSTM")
    assert "| `Dense` | yes |" in text


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "compatibility.md"
    stale.write_text("# old\n")
    monkeypatch.setattr(page_tool, "PAGE", stale)
    assert page_tool.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().out


@pytest.mark.parametrize("text, found", [
    ("`Huber` and `CosineSimilarity` lose options.", True),
    ('`UpSampling2D(interpolation="bilinear")` is not supported.', True),
    ('`losses.get("huber_loss")` resolves.', False),
    ("`HuberLoss` is something else.", False),
])
def test_deviation_notes_match_the_name_in_backticks(text, found):
    assert bool(page_tool.deviations("Huber" if "Huber" in text else "UpSampling2D",
                                     "x.md", [("a", text)])) == found
