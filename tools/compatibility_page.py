"""Generate docs/compatibility.md: every Keras 3 name per family and what minikeras does.

Inputs, each kept in one place:

* tools/keras3_names.json: the public names of each ``keras.<family>`` of Keras 3 (made
  once from a Keras install; its ``made_with`` field says how);
* minikeras itself: whether ``minikeras.<family>`` has the name, and the string names the
  family's registry resolves to the same object;
* the "Differences" / "Not supported" sections of each family's docs page: every note there
  that names the object (in backticks) is quoted as its deviation.

Run ``python tools/compatibility_page.py`` to rewrite the page; ``--check`` exits 1 when the
page is stale (tests/test_compatibility_page.py does the same check).
"""
import argparse
import importlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES_FILE = ROOT / "tools" / "keras3_names.json"
PAGE = ROOT / "docs" / "compatibility.md"

# family -> (its docs page, the registries whose string names resolve to its objects)
FAMILIES = {
    "layers": ("layers.md", ["minikeras.layers.layer:LAYERS"]),
    "losses": ("losses.md", ["minikeras.losses.loss:LOSSES"]),
    "optimizers": ("optimizers.md", ["minikeras.optimizers.optimizer:OPTIMIZERS",
                                     "minikeras.optimizers.schedules:SCHEDULES"]),
    "metrics": ("metrics.md", ["minikeras.metrics.metric:METRICS",
                               "minikeras.metrics.metric:METRIC_FUNCTIONS"]),
    "activations": ("activations.md", ["minikeras.activations:ACTIVATIONS"]),
    "callbacks": ("callbacks.md", ["minikeras.callbacks.callback:CALLBACKS"]),
    "utils": ("porting.md", []),
    "ops": ("ops.md", []),
    "ops.nn": ("ops.md", []),
    "ops.linalg": ("ops.md", []),
    "ops.numpy": ("ops.md", []),
    "ops.image": ("ops.md", []),
    "random": ("ops.md", []),
    "tree": ("ops.md", []),
    "keras": ("custom_models.md", []),  # the top level: keras.Model, keras.Function, ...
    "config": ("config.md", []),
    "saving": ("saving.md", []),
    "backend": ("config.md", []),
    "quantizers": ("quantization.md", ["minikeras.quantizers.quantizers:QUANTIZERS"]),
    "dtype_policies": ("quantization.md", []),
}
TOP_LEVEL = "keras"
NOTE_SECTIONS = re.compile(r"^## .*(Differ|Not supported|differs).*$", re.M)
MAX_NOTE = 160


def load(spec):
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute)


def resolve(module, name):
    """``minikeras.<family>.<name>`` (``schedules.X`` goes one level down), or None."""
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def string_names(obj, name, registries):
    """The other names the family's registries give the same object (``"mse"``, ...)."""
    found = set()
    for registry in registries:
        found.update(key for key, entry in registry.items() if entry is obj)
    found.discard(name.split(".")[-1])
    return sorted(found)


def notes_of(page):
    """The notes (bullets or paragraphs) of a docs page's Differences / Not-supported
    sections, each as (section anchor, one-line text)."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    notes = []
    for match in NOTE_SECTIONS.finditer(text):
        heading = match.group(0)[3:].strip()
        anchor = re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
        end = text.find("\n## ", match.end())
        body = text[match.end():end if end != -1 else len(text)]
        for item in re.split(r"\n(?=[*-] )|\n\s*\n", body):
            item = " ".join(line.strip() for line in item.strip().splitlines())
            item = re.sub(r"^[*-] ", "", item)
            if item and not item.startswith("<!--"):
                notes.append((anchor, item))
    return notes


def first_sentence(text):
    sentence = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= MAX_NOTE else sentence[:MAX_NOTE - 1] + "…"


def deviations(name, page, notes):
    """Links to the notes that name ``name`` in backticks (as `Name`, `Name(...)` or
    `"name"`)."""
    short = name.split(".")[-1]
    pattern = re.compile(r"`\"?" + re.escape(short) + r"[\"`(.]")
    return [f"[{first_sentence(text)}]({page}#{anchor})".replace("|", "\\|")
            for anchor, text in notes if pattern.search(text)]


def family_rows(family, keras_names):
    import minikeras
    page, specs = FAMILIES[family]
    module = minikeras if family == TOP_LEVEL else resolve(minikeras, family)
    registries = [load(spec) for spec in specs]
    notes = notes_of(page)
    rows, present = [], 0
    for name in keras_names:
        obj = resolve(module, name)
        present += obj is not None
        aliases = ", ".join(f'`"{a}"`' for a in string_names(obj, name, registries)) \
            if obj is not None else ""
        rows.append(f"| `{name}` | {'yes' if obj is not None else '**no**'} | {aliases} | "
                    f"{' / '.join(deviations(name, page, notes))} |")
    extra = [] if family == TOP_LEVEL else sorted(
        n for n in dir(module) if not n.startswith("_") and n not in keras_names
        and _defined_in(getattr(module, n), family))
    return rows, present, extra


def _defined_in(obj, family):
    """Whether ``obj`` is a class or function of minikeras's own ``family`` package (not a
    module, a registry or a helper imported from elsewhere)."""
    return callable(obj) and getattr(obj, "__module__", "").startswith(f"minikeras.{family}") \
        and not type(obj).__name__ == "Registry"


def render():
    data = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    version = data["keras_version"]
    lines = ["# Keras compatibility", "",
             "<!-- Generated by tools/compatibility_page.py from tools/keras3_names.json, the",
             "     minikeras registries and the Differences sections of the family pages.",
             "     Do not edit by hand: run `python tools/compatibility_page.py`. -->", "",
             f"Every public name of Keras {version}'s families, whether minikeras has it under",
             "the same name, the other string names its registry accepts for it, and the",
             "documented deviations (each links to its family page). Names minikeras adds",
             "beyond Keras are listed after each table; `keras.diagnostics` is a minikeras",
             "extension (see [visualization](visualization.md)).", "",
             "| family | Keras names | in minikeras |", "|---|---:|---:|"]
    sections = []
    for family, keras_names in data["families"].items():
        rows, present, extra = family_rows(family, keras_names)
        lines.append(f"| [{family}](#{family.replace('.', '')}) | {len(keras_names)} | "
                     f"{present} |")
        sections += ["", f"## {family}", "",
                     f"`{'keras' if family == TOP_LEVEL else 'keras.' + family}`: {present} of "
                     f"{len(keras_names)} names "
                     f"(details: [{FAMILIES[family][0]}]({FAMILIES[family][0]})).", "",
                     "| name | minikeras | string names | deviations |", "|---|---|---|---|"]
        sections += rows
        if extra:
            sections += ["", "Only in minikeras: " + ", ".join(f"`{n}`" for n in extra) + "."]
    return "\n".join(lines + sections) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/compatibility.md is not what would be generated")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE} is stale: run python tools/compatibility_page.py")
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
