"""Optional libraries load only when used: importing minikeras and the modules that use them
(callbacks, utils, diagnostics, visualization) imports none of tensorboard, pydot or
matplotlib."""
import subprocess
import sys

from tests.test_docs import ROOT


def test_optional_libraries_are_not_imported_by_minikeras():
    code = ("import sys, minikeras as keras\n"
            "keras.callbacks.TensorBoard; keras.utils.plot_model; keras.diagnostics.Diagnostics\n"
            "keras.visualization.plot_image_gallery\n"
            "print(sorted(m for m in ('tensorboard', 'pydot', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
