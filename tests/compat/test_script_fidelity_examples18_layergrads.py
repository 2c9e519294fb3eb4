"""Layer-level gradients and one training step beside Keras 3.15 on torch and jax (round 18):
for each built-in layer family and the options users set, the gradient of sum(output * R)
for the inputs and every trainable weight, and the weights (moving statistics too) after one
``train_on_batch``.

The cases are in tests/fixtures/examples18_layergrads_cases.py; what Keras computed is in
tests/fixtures/keras_examples18_layergrads.json, written once by
tools/make_examples18_layergrads_fixture.py with torch autograd and ``jax.grad``. minikeras
must give their numbers where the two backends agree; where they differ (or one of them
fails), ``BACKEND_SPECIFIC`` names the side minikeras takes, and why.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples18_layergrads_cases", "keras_examples18_layergrads.json")

# case -> (the backend whose record minikeras follows, why the other differs): where Keras's
# jax and torch backends give different records.
_ALL_MASKED = ("a query row whose keys are all masked: jax's fused kernel masks with a where, "
               "so no gradient reaches q and k from it (torch adds a large negative number and "
               "passes the uniform softmax's gradient)")
_SPECTRAL = ("the kernel SpectralNormalization assigns in training: torch's assignment cuts the "
             "gradient there (jax's stateless_call traces through the normalization)")
_AVERAGE_SAME = "torch's average pooling counts the padding of 'same' borders as values"
_BICUBIC = "torch's bicubic kernel has a = -0.75 (jax: -0.5)"
_STATEFUL = "torch's autograd fails on the recurrent state assigned in place (RuntimeError)"
_MASKED_FIRST_STEP = ("a masked first step under a carried state: torch's sequence is 0 there, "
                      "as at every masked step (jax's repeats the carried state)")
BACKEND_SPECIFIC = {
    "mask_LSTM_stateful": ("torch", _MASKED_FIRST_STEP),
    "mask_GRU_stateful": ("torch", _MASKED_FIRST_STEP),
    "mask_SimpleRNN_stateful": ("torch", _MASKED_FIRST_STEP),
    "attention_MultiHeadAttention_causal_mask": ("jax", _ALL_MASKED),
    "mask_embedding_self_attention": (
        "jax", "query rows masked everywhere (padding tokens): torch's gradients differ there, "
               "the value projection's too (jax: minikeras's numbers)"),
    "attention_GroupQueryAttention_masks": ("jax", _ALL_MASKED),
    "attention_MultiHeadAttention_value_dim_output": (
        "torch", "jax's fused attention fails to reshape when value_dim differs from key_dim"),
    "norm_LayerNormalization_axis1": (
        "jax", "torch's fused layer_norm takes trailing axes only (RuntimeError)"),
    "norm_SpectralNormalization_Dense_dense_train": ("torch", _SPECTRAL),
    "norm_SpectralNormalization_Dense_dense_pi2_train": ("torch", _SPECTRAL),
    "norm_SpectralNormalization_Conv2D_conv2d_train": ("torch", _SPECTRAL),
    "pool_AveragePooling2D_p4s3same": ("jax", _AVERAGE_SAME + " (an uneven border)"),
    "pool_AveragePooling3D_p3s2same": ("jax", _AVERAGE_SAME),
    "pool_AveragePooling3D_cf_p3s2same": ("jax", _AVERAGE_SAME),
    "resample_Resizing_bicubic": ("jax", _BICUBIC),
    "resample_UpSampling2D_bicubic_cf": ("jax", _BICUBIC),
    "rnn_LSTM_stateful": ("jax", _STATEFUL),
    "rnn_GRU_stateful": ("jax", _STATEFUL),
    "rnn_Bidirectional_GRU_stateful": ("jax", _STATEFUL),
    "mask_embedding_SimpleRNN_unroll_back_seq": (
        "jax", "torch's unrolled SimpleRNN fails on a mask going backwards (AttributeError)"),
}


def minikeras_gradient(layer, invoke, arrays, cotangents):
    """(outputs, input gradients, weight gradients) of sum(outputs * cotangents) by
    minikeras's tape; zeros where no path reaches a source."""
    xs = [watch(a) if np.issubdtype(a.dtype, np.floating) else a for a in arrays]
    outputs = cases.as_list(invoke(layer, xs))
    target = sum(keras.ops.sum(o * c) for o, c in zip(outputs, cotangents))
    sources = [x for x in xs if not isinstance(x, np.ndarray)] + list(layer.trainable_weights)
    grads = grad(target, sources, unconnected_gradients="zero")
    n = len(sources) - len(layer.trainable_weights)
    return [np.asarray(o) for o in outputs], grads[:n], grads[n:]


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_gradients_and_step_follow_keras(name):
    got = cases.CASES[name](keras, minikeras_gradient)
    side = BACKEND_SPECIFIC.get(name, ("torch",))[0]
    assert_same(got, KERAS[side][name], name)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_backends_disagree_exactly_where_listed(name):
    """jax's record differs from torch's exactly for the cases ``BACKEND_SPECIFIC`` names
    (so, outside it, following one backend is following both)."""
    try:
        assert_same(KERAS["jax"][name], KERAS["torch"][name])
        agree = True
    except AssertionError:
        agree = False
    assert agree != (name in BACKEND_SPECIFIC)


def test_every_case_was_recorded_by_both_backends():
    assert sorted(KERAS) == ["jax", "torch"]
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)
