"""A load plan: every saved array is checked against its variable before any is assigned.

Loaders collect ``(variable, stored array)`` pairs and mismatches here, from the file's
headers only (shape, dtype). :meth:`LoadPlan.finish` raises one error with a table of
every mismatch (the model untouched), or, with ``skip_mismatch=True``, warns with that
table (both open with Keras's line, "A total of N objects could not be loaded...");
then it reads and converts *every* array, and only when all of them are ready
assigns them. A failure at any step before the last leaves the model as it was.
"""
import warnings

import numpy as np

from ..layers.layer import format_shape
from .stored_arrays import cast_for, check_size, dtype_problem, is_lossy


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class LoadPlan:
    """What a load will assign, and what does not fit."""

    def __init__(self, source, model_name):
        self.source, self.model_name = source, model_name
        self.assignments = []  # (variable, StoredArray or numpy array)
        self.rows = []  # (layer, weight, expected, found)
        self.refused = []  # messages for data that may never load (wrong kind of dtype)
        self.failed = []  # the objects (layers) with a mismatch, once each, in file order

    @property
    def ok(self):
        return not self.rows

    def add_group(self, layer, variables, arrays, weight_names=None, owner=None):
        """Check one layer's saved arrays against its variables (count, then each shape);
        ``layer`` labels the table's rows, ``owner`` (the layer itself) names it in the
        message's first line.

        Returns True when everything in the group fits.
        """
        if len(arrays) != len(variables):
            self.rows.append((layer, "(count)", _plural(len(variables), "weight"),
                              _plural(len(arrays), "weight")))
            self._failed(owner or layer)
            return False
        fits = True
        staged = []
        for i, (variable, array) in enumerate(zip(variables, arrays)):
            label = weight_names[i] if weight_names else str(variable.name)
            if tuple(array.shape) != tuple(variable.shape):
                self.rows.append((layer, label, format_shape(variable.shape),
                                  format_shape(array.shape)))
                self._failed(owner or layer)
                fits = False
                continue
            problem = dtype_problem(variable.dtype, array.dtype)
            if problem:
                self.refused.append(f"{layer} / {label} ({variable.path}) needs {problem}")
            staged.append((variable, array))
        if fits:  # with skip_mismatch a layer with any mismatch keeps all its weights, as Keras
            self.assignments.extend(staged)
        return fits

    def _failed(self, owner):
        if not any(owner is seen for seen in self.failed):
            self.failed.append(owner)

    def _keras_first_line(self):
        """How Keras 3.15 opens its load error and its skip_mismatch warning."""
        return (f"A total of {len(self.failed)} objects could not be loaded. "  # even 1
                f"Example error message for object {self.failed[0]!r}:\n")

    def table(self):
        header = ("layer", "weight", "expected (model)", "found (file)")
        rows = [header] + [tuple(str(c) for c in row) for row in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                         for r in rows)

    def add_pairs(self, pairs):
        """Pairs already matched (an optimizer's variables), checked for dtype like the rest."""
        for variable, array in pairs:
            problem = dtype_problem(variable.dtype, array.dtype)
            if problem:
                self.refused.append(f"{variable.path} needs {problem}")
            self.assignments.append((variable, array))

    def check(self, skip_mismatch):
        """Raise (model untouched) or warn about the mismatches."""
        if self.refused:
            raise ValueError(f"Cannot load weights from {self.source!s}: "
                             + "; ".join(self.refused[:10])
                             + ". Nothing was loaded; the model is unchanged.")
        if self.rows:
            what = (f"{_plural(len(self.rows), 'weight')} in {self.source!s} "
                    f"{'does' if len(self.rows) == 1 else 'do'} not match model "
                    f"'{self.model_name}'")
            if not skip_mismatch:
                raise ValueError(
                    f"{self._keras_first_line()}Cannot load weights: {what}. Nothing was "
                    "loaded; the model is unchanged.\n"
                    f"{self.table()}\nCheck that the model is built with the same layers and "
                    "shapes as the one that saved the file, or pass skip_mismatch=True to load "
                    "only the weights that match.")
            warnings.warn(f"{self._keras_first_line()}Skipped loading mismatched weights: "
                          f"{what}.\n{self.table()}", stacklevel=4)
        self.rows, self.failed = [], []

    def finish(self, skip_mismatch):
        """Check, read and convert everything, then assign it all."""
        self.check(skip_mismatch)
        self.apply(self.read())

    def read(self):
        """Every staged array read and converted to its variable's dtype (nothing assigned)."""
        check_size(sum(int(np.asarray(a).nbytes) if isinstance(a, np.ndarray) else a.nbytes
                       for _, a in self.assignments), f"The weights in {self.source!s}")
        values, lossy = [], []
        for variable, array in self.assignments:
            where = getattr(array, "where", f"{self.source!s}: {variable.path}")
            data = array.read() if hasattr(array, "read") else np.asarray(array)
            if is_lossy(variable.dtype, data.dtype):
                lossy.append(f"{variable.path} ({data.dtype} -> {np.dtype(variable.dtype).name})")
            values.append((variable, cast_for(variable.dtype, data, where)))
        if lossy:
            warnings.warn(f"Loading {self.source!s} narrows float data, losing precision: "
                          + ", ".join(lossy[:10]) + (" ..." if len(lossy) > 10 else ""),
                          stacklevel=4)
        return values

    @staticmethod
    def apply(values):
        """Assign the converted arrays (the only step that changes the model)."""
        for variable, value in values:
            variable.assign(value)
