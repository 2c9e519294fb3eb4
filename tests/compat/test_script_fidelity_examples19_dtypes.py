"""Result dtypes and values of ``keras.ops`` across dtypes beside Keras 3.15 on jax and on
torch (round 19): binary ops over every pair of 11 dtypes and with Python scalars on either
side, unary ops and reductions on each dtype, casts, creation and conversion,
``standardize_dtype`` / ``result_type`` spellings and ``set_floatx``.

The cases are in tests/fixtures/examples19_dtypes_cases.py; what Keras computed is in
tests/fixtures/keras_examples19_dtypes.json, written once by
tools/make_examples19_dtypes_fixture.py with both backends. Each case has two parts,
compared apart: the eager result (dtype and numbers, or the error's type) and the dtype of
the same op on KerasTensors. Where the two backends agree on a part, minikeras must give it;
where they disagree (jax without x64 stores int64 / float64 as 32 bits; torch refuses bool
and unsigned arithmetic jax does, and follows floatx where jax keeps float32), minikeras
must give one backend's answer -- ``side_taken`` names which.

Found here and fixed (the backends agreeing): dividing an int8 / uint8 tensor by a Python
int beyond the dtype's range (300) divided by the wrapped number (44); an integer power with
a negative exponent raised numpy's ValueError (Keras: 1, ±1 for -1, else 0); a shift of an
integer by a bool (or of a bool by an integer) raised TypeError (Keras casts the bool to the
integer's dtype); tril / triu of a bool matrix gave int32 (Keras keeps bool); the mean of
integers under floatx float16 was float16 (Keras: float32 whatever floatx is); top_k of
integers at their limits took int8's -128 for the largest (it sorted the wrapped negation).

Left (``LEFT``, each with its reason and a test that it still shows, so a fix is noticed):
the 64-bit rule and bfloat16 are deliberate (docs/porting.md); the rest are backend
quirks (torch refusing what jax computes) or float rounding of extreme inputs.
"""
import functools
import re
import warnings

import numpy as np
import pytest

import minikeras as keras
from tests.compat.record_agreement import agrees
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples19_dtypes_cases", "keras_examples19_dtypes.json")

_WIDE = r"(int64|float64|uint32)"  # uint32 meeting a signed int promotes to int64
# (rule on "<case>:<part>", reason): where minikeras still differs from Keras.
LEFT = [
    (rf".*{_WIDE}.*:(eager|symbolic)",
     "deliberate (docs/porting.md, 'float64 and int64 inputs keep 64 bits'): Keras 3.15's "
     "result_type names every 64-bit result by its 32-bit type, so its ops that cast through "
     "it (maximum, minimum, matmul, dot, floor_divide, arctan2, floor, ceil, prod, cumsum, "
     "cumprod, var, norm), its symbolic specs and its floatx float64 defaults give int32 / "
     "float32 on both backends; minikeras keeps numpy's 64 bits, eager and symbolic alike"),
    (r"(binary|scalar)_(floor_divide|power|left_shift|right_shift)_bool_.*:(eager|symbolic)"
     r"|unary_relu_bool:(eager|symbolic)|binary_hypot_bool_bool:symbolic"
     r"|(binary|scalar)_floor_divide_u?int(8|16|32)_bool:eager"
     r"|scalar_floor_divide_bool_(int|bigint)_left:eager"
     r"|unary_round_bool:(eager|symbolic)|create_full_like_uint8_with_300:eager",
     "torch refuses (bool arithmetic, integer division by zero, 300 in uint8) and jax gives "
     "its own value (x // 0 is -1, bool ** bool is int32); minikeras gives numpy's"),
    (r"binary_mod_(int16|int32|float16|float32)_float(16|32):eager",
     "float mod of a number beyond 2**24 (or -32768 in float16) by a negative divisor: "
     "minikeras's x1 - floor(x1 / x2) * x2 rounds differently from the backends' fmod"),
    (r"unary_(reciprocal|logsumexp)_float16:symbolic|binary_heaviside_bool_bool:symbolic",
     "Keras's own symbolic spec differs from its eager result (reciprocal and logsumexp of "
     "float16: float32; heaviside of bools: bool); minikeras's symbolic dtype is its eager one"),
    (r"unary_softmax_(bool|u?int(8|16|32)):eager|unary_softmax_bool:symbolic",
     "softmax of integers: torch refuses, jax gives nan (it subtracts the maximum in the "
     "integer dtype, which wraps); minikeras computes it in float32"),
    (r"binary_logaddexp_(bool|float16)_float16:eager",
     "logaddexp in float16: minikeras's stable formula rounds its steps in float16, one ulp "
     "from the backends' fused result"),
    (r"unary_prod_uint16:(eager|symbolic)",
     "prod of uint16: jax gives uint32, torch int32; minikeras keeps uint16"),
    (r"unary_cumsum_float16:eager",
     "the backends accumulate float16 in float16 (1000.75 rounds to 1001); minikeras's sum "
     "order rounds to 1000.5"),
    (r"unary_cumprod_float(16|32):eager",
     "cumprod of [-1.5, 0, 2.25, 1000, max]: minikeras gives nan after the zero meets the "
     "largest float (its product formula), the backends -0.0"),
    (r"standardize_bfloat16:eager",
     "deliberate: numpy has no bfloat16, so standardize_dtype('bfloat16') raises ValueError "
     "(Keras names it 'bfloat16'); test_core_utilities pins it"),
]


def left_reason(name, part):
    """The reason minikeras's ``part`` of case ``name`` may differ from Keras, or None."""
    for rule, reason in LEFT:
        if re.fullmatch(rule, f"{name}:{part}"):
            return reason
    return None


def parts(record):
    """{"eager": the record less its symbolic dtype, "symbolic": that dtype or None}."""
    return {"eager": {k: v for k, v in record.items() if k != "symbolic"},
            "symbolic": record.get("symbolic")}


def minikeras_parts(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow and division by zero are the point here
        return parts(cases.CASES[name](keras))


def divergence(name, part, got):
    """Why minikeras's ``part`` of ``name`` (``got``) is not Keras's, or None when it is: with
    the backends agreeing it must equal them; else it must equal one of them."""
    jax, torch = parts(KERAS["jax"][name])[part], parts(KERAS["torch"][name])[part]
    if agrees(jax, torch):
        return None if agrees(got, jax) else f"{got!r} != {jax!r} (both backends)"
    if agrees(got, jax) or agrees(got, torch):
        return None
    return f"{got!r} is neither jax's {jax!r} nor torch's {torch!r}"


@functools.cache
def divergences(name):
    """{part: ``divergence`` of minikeras's part} for case ``name``, run once for the
    module (``test_follows_keras`` and ``test_every_left_rule_still_shows`` both read it)."""
    got = minikeras_parts(name)
    return {part: divergence(name, part, got[part]) for part in ("eager", "symbolic")}


def family(name):
    """The test that checks case ``name``: an op's binary, scalar or unary cases together
    (binary_add_int8_uint8 -> binary_add: one op over the dtypes), the other tables by
    their first word (cast, convert, create, floatx, ...)."""
    words = name.split("_")
    if words[0] not in ("binary", "scalar", "unary"):
        return words[0]
    return "_".join(words[:next(i for i, w in enumerate(words) if w in cases.DTYPES)])


FAMILIES = {}  # family -> its cases, sorted
for _name in sorted(cases.CASES):
    FAMILIES.setdefault(family(_name), []).append(_name)


@pytest.mark.parametrize("family_name", sorted(FAMILIES))
def test_follows_keras(family_name):
    """Every case of the family gives Keras's part or differs where ``LEFT`` says why; a
    failure lists each case that does not, by name. (One test per op rather than per case:
    5,780 items cost ~14 s of pytest's own time per run, three times the cases' work.)"""
    unexplained = [f"{name} ({part}): {problem}" for name in FAMILIES[family_name]
                   for part, problem in divergences(name).items()
                   if problem is not None and not left_reason(name, part)]
    assert unexplained == [], "\n".join(unexplained)


def test_every_left_rule_still_shows():
    """Each LEFT rule matches a case minikeras still differs on (a fixed one is removed)."""
    shown = set()
    for name in cases.CASES:
        for part, problem in divergences(name).items():
            if problem is not None:
                shown.add(left_reason(name, part))
    assert [reason for _, reason in LEFT if reason not in shown] == []


def side_taken(name, part):
    """"jax" or "torch": the backend minikeras follows where they disagree on the part."""
    got = minikeras_parts(name)[part]
    return "jax" if agrees(got, parts(KERAS["jax"][name])[part]) else "torch"


@pytest.mark.parametrize("name, part, side", [
    ("binary_add_int64_int64", "eager", "torch"),      # int64 kept (jax stores int32)
    ("convert_numpy_float64", "eager", "torch"),       # float64 kept
    ("floatx_float64_zeros", "eager", "torch"),        # floatx followed (jax: float32)
    ("binary_subtract_uint16_uint16", "eager", "jax"),  # uint16 kept (torch: int32)
    ("unary_sum_uint8", "eager", "jax"),               # uint32 (torch: int32)
])
def test_side_taken_where_backends_disagree(name, part, side):
    assert not agrees(parts(KERAS["jax"][name])[part], parts(KERAS["torch"][name])[part])
    assert side_taken(name, part) == side


def test_fixed_divergences():
    """The divergences fixed in round 19, each as Keras gives it."""
    ops = keras.ops
    by_300 = ops.divide(np.array([150, 3], "uint8"), 300)
    assert by_300.dtype == np.float32 and np.allclose(by_300, [0.5, 0.01])
    powers = ops.power(np.array([2, 1, -1, -1], "int32"), np.array([-1, -3, -1, -2], "int32"))
    assert powers.dtype == np.int32 and powers.tolist() == [0, 1, -1, 1]
    shifted = ops.left_shift(np.array([1, 3], "int8"), np.array([True, False]))
    assert shifted.dtype == np.int8 and shifted.tolist() == [2, 3]
    values, indices = ops.top_k(np.array([-128, 2, 127, 2], "int8"), 3)
    assert values.tolist() == [127, 2, 2] and indices.tolist() == [2, 1, 3]
    lower = ops.tril(np.ones((2, 2), bool))
    assert lower.dtype == np.bool_ and lower.tolist() == [[True, False], [True, True]]
    before = keras.config.floatx()
    keras.config.set_floatx("float16")
    try:
        assert ops.mean(np.arange(3)).dtype == np.float32
    finally:
        keras.config.set_floatx(before)


def test_every_case_was_recorded_by_both_backends():
    assert sorted(KERAS) == ["jax", "torch"]
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)
