"""A load plan: every saved array is checked against its variable before any is assigned.

Loaders collect ``(variable, array)`` pairs and mismatches here; :meth:`LoadPlan.apply`
raises one error with a table of every mismatch (the model untouched), or, with
``skip_mismatch=True``, warns with that table and assigns only what matches.
"""
import warnings

import numpy as np

from ..layers.layer import format_shape


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class LoadPlan:
    """What a load will assign, and what does not fit."""

    def __init__(self, source, model_name):
        self.source, self.model_name = source, model_name
        self.assignments = []  # (variable, numpy array)
        self.rows = []  # (layer, weight, expected, found)

    @property
    def ok(self):
        return not self.rows

    def add_group(self, layer, variables, arrays, weight_names=None):
        """Check one layer's saved arrays against its variables (count, then each shape).

        Returns True when everything in the group fits.
        """
        if len(arrays) != len(variables):
            self.rows.append((layer, "(count)", _plural(len(variables), "weight"),
                              _plural(len(arrays), "weight")))
            return False
        fits = True
        staged = []
        for i, (variable, array) in enumerate(zip(variables, arrays)):
            array = np.asarray(array)
            if tuple(array.shape) != tuple(variable.shape):
                label = weight_names[i] if weight_names else str(variable.name)
                self.rows.append((layer, label, format_shape(variable.shape),
                                  format_shape(array.shape)))
                fits = False
            else:
                staged.append((variable, array))
        self.assignments.extend(staged)  # with skip_mismatch the fitting ones still load
        return fits

    def table(self):
        header = ("layer", "weight", "expected (model)", "found (file)")
        rows = [header] + [tuple(str(c) for c in row) for row in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                         for r in rows)

    def finish(self, skip_mismatch):
        """Raise (model untouched) or warn about the mismatches; then assign."""
        if self.rows:
            what = (f"{_plural(len(self.rows), 'weight')} in {self.source!s} "
                    f"{'does' if len(self.rows) == 1 else 'do'} not match model "
                    f"'{self.model_name}'")
            if not skip_mismatch:
                raise ValueError(
                    f"Cannot load weights: {what}. Nothing was loaded; the model is unchanged.\n"
                    f"{self.table()}\nCheck that the model is built with the same layers and "
                    "shapes as the one that saved the file, or pass skip_mismatch=True to load "
                    "only the weights that match.")
            warnings.warn(f"Skipped loading mismatched weights: {what}.\n{self.table()}",
                          stacklevel=4)
        self.apply()

    def apply(self):
        for variable, array in self.assignments:
            variable.assign(array.astype(variable.dtype, copy=False))
