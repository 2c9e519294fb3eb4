"""An option sweep of the preprocessing layers beside Keras 3.15 on jax and torch (round 19):
for each row of the tables in tests/fixtures/examples19_preprocessing_cases.py, the layer's
output (values, dtype, shape; shape and dtype only where a random augmentation draws from
the backend's RNG), ``compute_output_shape``, the symbolic call in a functional model,
``get_config``/``from_config``, the .keras round trip, and Keras's errors for bad options
and inputs.

What Keras computed is in tests/fixtures/keras_examples19_preprocessing.json, written once
by tools/make_examples19_preprocessing_fixture.py. minikeras must give its records where the
two backends agree; where they differ, ``BACKEND_SPECIFIC`` names the side minikeras takes,
and why.
"""
import json
import tempfile

import pytest

import minikeras as keras
from tests.compat.record_agreement import agrees
from tests.compat.script_compare import assert_same
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples19_preprocessing_cases", "keras_examples19_preprocessing.json")

# Keras's jax backend runs without x64: every int64 / float64 it is asked for comes out as
# int32 / float32 (lookup and hashing outputs, dtype="float64" layers). minikeras follows torch
# there, whose record differs from jax's by those dtype names only (found by ``narrowed``).
JAX_WITHOUT_X64 = "jax without x64 truncates int64 / float64 to 32 bits"
_BICUBIC = "torch's bicubic kernel has a = -0.75 (jax: -0.5)"
_AREA = "Keras's message lists the interpolations as jax's tuple / torch's dict"
# case -> (the backend whose record minikeras follows, why the other differs), beyond the
# JAX_WITHOUT_X64 cases
BACKEND_SPECIFIC = {
    **{f"resize_bicubic_{size}_{pad}": ("jax", _BICUBIC)
       for size in ("4x4", "9x5") for pad in ("c0_p0", "c0_p1", "c1_p0")},
    **{f"resize_{kernel}_{size}_{pad}": (
        "jax", "torch's Resizing has no lanczos kernels (it raises); jax's values")
       for kernel in ("lanczos3", "lanczos5") for size in ("4x4", "6x8", "9x5")
       for pad in ("c0_p0", "c0_p1", "c1_p0")},
    **{f"resize_area_{size}_{pad}": ("torch", _AREA)
       for size in ("4x4", "6x8", "9x5") for pad in ("c0_p0", "c0_p1", "c1_p0")},
    "err_resize_interp": ("torch", _AREA),
    "err_cat_out_of_range": (
        "torch", "jax cannot check values inside its computation: no error, clipped counts"),
    "err_disc_sparse": ("torch", "the sparse check comes first on torch (no sparse tensors)"),
    "err_norm_shape_mismatch": (
        "jax", "each backend's broadcasting error (torch's is a RuntimeError; minikeras's "
               "numpy's ValueError, as jax's)"),
}
# Keras 3.15 fails on both backends (differently) where minikeras gives the inverse lookup:
# StringLookup(invert=True) called on a numpy integer array.
KERAS_FAILS = {f"str_invert_mask{m}_oov{o}" for m in (0, 1) for o in (1, 2)}
# the spectrograms' float32 FFTs differ by round-off between backends and from numpy's
LOOSE = {"out": (2e-3, 2e-4)}
# bicubic and lanczos resizing sums 4 to 10 weighted pixels of 0..255 per axis: float32
# round-off in another summation order is ~1e-4 absolute, large beside the small values
# their negative lobes give
WIDE_KERNELS = {"out": (2e-5, 5e-4)}


_NO_ERROR = "Keras 3.15 accepts it (no error); minikeras refuses the bad value (reported)"
# case -> why minikeras's record differs from Keras's where both backends agree (reported to
# the lead; each needs a fix or a DELIBERATE entry in docs/porting.md)
KNOWN_DIVERGENCES = {
    "aug_infer_RandomCrop": "Keras 3.15 returns the input uncropped in inference (its "
                            "symbolic shape is the crop's); minikeras crops the centre",
    "aug_cf_infer_RandomCrop": "as aug_infer_RandomCrop, channels first",
    **{f"aug_{kind}_RandomShear": "Keras 3.15's RandomShear cannot be rebuilt from its own "
                                  "config (TypeError); minikeras's can"
       for kind in ("infer", "cf_infer", "train")},
    "aug_train_values_Equalization": "Keras 3.15's Equalization fails on a symbolic input "
                                     "('part of a cycle'); minikeras's builds the model",
    "err_aug_RandomCrop": _NO_ERROR + " (height=0)",
    "err_aug_RandomFlip": _NO_ERROR + " (mode='diagonal')",
    "err_aug_RandomPosterization": _NO_ERROR + " (factor=(0, 3))",
    "err_cat_negative": _NO_ERROR + " (a negative id)",
    "err_int_no_vocab_call": "Keras raises an empty RuntimeError; minikeras a ValueError "
                             "saying to adapt or give a vocabulary",
    "err_str_no_vocab_call": "as err_int_no_vocab_call",
    "err_text_mode": "Keras raises RuntimeError (no vocabulary) for output_mode='one_hot'; "
                     "minikeras a ValueError",
    "err_norm_adapt_given": "Keras fails with an AttributeError (adapt_mean); minikeras "
                            "raises a ValueError saying why",
    "err_resize_rank2": "Keras fails with an IndexError; minikeras names the expected ranks",
    **{f"resize_area_{size}_{pad}": "Keras 3.15's Resizing refuses interpolation='area' "
                                    "(ValueError); minikeras resizes by area averaging"
       for size in ("4x4", "6x8", "9x5") for pad in ("c0_p0", "c0_p1", "c1_p0")},
    **{name: "Keras's config of an adapted tf_idf lookup holds no vocabulary or idf weights "
             "(they are in the file's assets and weights); minikeras's holds them too, for "
             "legacy .h5 files (docs/porting.md)"
       for name in ("int_adapt_tf_idf_pad0", "int_adapt_tf_idf_pad1", "str_adapt_tf_idf_pad0",
                    "str_adapt_tf_idf_pad1", "text_ng2_tf_idf", "text_ngNone_tf_idf",
                    "text_ngt13_tf_idf")},
    "err_cat_out_of_range": "torch's one_hot raises a RuntimeError for an id >= num_tokens; "
                            "minikeras checks the range first (ValueError naming it)",
    **{f"str_adapt_{mode}_pad0": "Keras 3.15 cannot reload its own .keras file of an adapted "
                                 "StringLookup(output_mode='" + mode + "') (the vocabulary "
                                 "size 'cannot be changed after the layer is called'); "
                                 "minikeras reloads it"
       for mode in ("multi_hot", "count")},
    "resize_uint8": "Keras's symbolic output of uint8 images is float32 (the layer's dtype) "
                    "while its eager output is uint8; minikeras's symbolic dtype is the "
                    "eager one (uint8)",
}

# deliberate (docs/porting.md): an unregistered standardize callable is refused by
# get_config (files hold names, never code); Keras's config holds the function, which its
# from_config then cannot parse
REFUSED_HERE = {"text_standardize_callable": "is not registered, so it cannot be saved"}


def compared(name, record):
    """``record`` as compared: errors by type (``error_types``); without the
    ``config_round_trip`` of a TextVectorization case, which Keras 3.15 gives as False for
    every adapted layer (a layer rebuilt from the config reports vocabulary_size of its own
    empty vocabulary) where minikeras's rebuilt config is the same."""
    record = error_types(record)
    if name.startswith("text_") and isinstance(record, dict):
        record.pop("config_round_trip", None)
    return record


def error_types(record):
    """``record`` with each error as its type only: minikeras's messages name the layer and
    the expected and given values, in its own words (the types are compared)."""
    if isinstance(record, dict):
        return {k: (v.split(":")[0] if k == "error" else error_types(v))
                for k, v in record.items()}
    return record


def looseness(name):
    if name.startswith(("resize_bicubic", "resize_lanczos")):
        return WIDE_KERNELS
    return LOOSE if name.startswith(("mel_", "stft_")) else None


def agree(a, b, loose=None):
    try:
        return agrees(a, b, loose=loose)
    except TypeError:
        return False


def narrowed(record):
    """``record`` with its dtype names as jax without x64 gives them."""
    return json.loads(json.dumps(record).replace('"int64"', '"int32"')
                      .replace('"float64"', '"float32"'))


def side_of(name):
    """The backend whose record minikeras follows for case ``name``."""
    if name in BACKEND_SPECIFIC:
        return BACKEND_SPECIFIC[name][0]
    return "torch"


def backends_differ(name):
    """Whether the backends' records of ``name`` disagree beyond jax's narrowed dtypes.
    (Records equal as they are, or once narrowed, agree: ``agree`` passes equal values;
    the shortcuts skip its walk and most ``narrowed`` JSON round trips.)"""
    jax, torch = KERAS["jax"][name], KERAS["torch"][name]
    if jax == torch:
        return False
    jax, torch = narrowed(jax), narrowed(torch)
    return jax != torch and not agree(jax, torch, looseness(name))


def test_backend_specific_cases_are_those_where_the_backends_differ():
    differing = {name for name in KERAS["torch"] if backends_differ(name)}
    assert differing == set(BACKEND_SPECIFIC) | KERAS_FAILS


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """The module's scratch folder; each case gets an empty folder of its own inside it
    (``fresh``), as ``tmp_path`` gave, without its ~1.5 ms of set-up per test."""
    return str(tmp_path_factory.mktemp("preprocessing"))


def fresh(scratch):
    return tempfile.mkdtemp(dir=scratch)


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - KERAS_FAILS))
def test_preprocessing_option_follows_keras(name, scratch):
    folder = fresh(scratch)
    if name in REFUSED_HERE:
        with pytest.raises(ValueError, match=REFUSED_HERE[name]):
            cases.CASES[name](keras, folder)
        return
    got = compared(name, json.loads(json.dumps(cases.CASES[name](keras, folder))))
    expected = compared(name, KERAS[side_of(name)][name])
    if name in KNOWN_DIVERGENCES:  # the entry goes once minikeras matches Keras there
        assert not agree(got, expected, looseness(name)), KNOWN_DIVERGENCES[name]
        return
    assert_same(got, expected, name, loose=looseness(name))


def test_keras_fails_where_minikeras_inverts_strings(tmp_path):
    for name in KERAS_FAILS:
        assert "error" in KERAS["torch"][name] and "error" in KERAS["jax"][name]
        got = cases.CASES[name](keras, str(tmp_path))
        assert got["out"]["dtype"] == "string"
