"""Bad input gets a clear ValueError naming both shapes / the bad label and the fix."""
import numpy as np
import pytest

from minikeras import losses

PROBS = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2]], np.float32)


@pytest.mark.parametrize("loss", [losses.mean_squared_error, losses.MeanAbsoluteError(),
                                  losses.Huber(), losses.kl_divergence, losses.hinge,
                                  losses.Dice()])
def test_incompatible_shapes_name_both(loss):
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 2\), y_pred.shape=\(4, 3\)"):
        loss(np.zeros((4, 2)), np.zeros((4, 3)))


@pytest.mark.parametrize("loss", [losses.binary_crossentropy, losses.BinaryCrossentropy(),
                                  losses.BinaryFocalCrossentropy()])
def test_binary_crossentropy_needs_equal_shapes(loss):
    with pytest.raises(ValueError, match=r"same shape.*\(3, 2\).*\(3, 4\)"):
        loss(np.zeros((3, 2)), np.full((3, 4), 0.5))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        loss(np.array([0, 2, 1]), PROBS)


@pytest.mark.parametrize("loss", [losses.categorical_crossentropy,
                                  losses.CategoricalCrossentropy(),
                                  losses.CategoricalFocalCrossentropy(),
                                  losses.categorical_hinge])
@pytest.mark.parametrize("labels", [[0, 2, 1], [[0], [2], [1]]])
def test_integer_labels_to_categorical_suggest_sparse_or_to_categorical(loss, labels):
    with pytest.raises(ValueError) as info:
        loss(np.array(labels), PROBS)
    message = str(info.value)
    assert "sparse_categorical_crossentropy" in message
    assert "to_categorical(y, num_classes=3)" in message
    assert str(np.array(labels).shape) in message and "(3, 3)" in message


def test_one_hot_with_wrong_class_count():
    with pytest.raises(ValueError, match=r"y_true has 4 classes per sample but y_pred has 3"):
        losses.categorical_crossentropy(np.eye(4)[[0, 1, 2]], PROBS)


@pytest.mark.parametrize("loss", [losses.sparse_categorical_crossentropy,
                                  losses.SparseCategoricalCrossentropy(),
                                  losses.categorical_generalized_cross_entropy])
def test_one_hot_targets_to_sparse_suggest_categorical(loss):
    with pytest.raises(ValueError, match="categorical_crossentropy") as info:
        loss(np.eye(3)[[0, 2, 1]], PROBS)
    assert "one-hot" in str(info.value) and "(3, 3)" in str(info.value)


@pytest.mark.parametrize("labels, bad", [([0, 3, 1], "3"), ([0, -1, 1], "-1")])
def test_sparse_labels_out_of_range(labels, bad):
    for loss in (losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy(),
                 losses.SparseCategoricalCrossentropy(from_logits=True)):
        with pytest.raises(ValueError, match=rf"label {bad} is outside the valid range \[0, 3\)"):
            loss(np.array(labels), PROBS)


def test_ignored_class_may_lie_outside_the_range_but_others_may_not():
    losses.sparse_categorical_crossentropy([0, -1, 1], PROBS, ignore_class=-1)
    with pytest.raises(ValueError, match="label 5"):
        losses.sparse_categorical_crossentropy([0, -1, 5], PROBS, ignore_class=-1)


def test_sparse_labels_are_cut_to_integers_and_must_match_the_batch():
    """Fractional labels (bilinearly resized masks) count as the class below, as Keras's
    cast to int makes them."""
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([0.5, 1.9, 2.2], PROBS),
                               losses.sparse_categorical_crossentropy([0, 1, 2], PROBS))
    with pytest.raises(ValueError, match=r"target.shape=\(2,\), output.shape=\(3, 3\)"):
        losses.sparse_categorical_crossentropy([0, 1], PROBS)


def test_bad_options():
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.categorical_crossentropy(np.eye(3), PROBS, axis=True)


def test_ctc_and_circle_shapes():
    with pytest.raises(ValueError, match=r"\(batch_size, max_length\)"):
        losses.ctc(np.zeros((2, 3, 1)), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"\(batch_size, max_length, num_classes\)"):
        losses.ctc(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"labels must be integers in \[1, 3\)"):
        losses.ctc(np.array([[1, 3]]), np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match="one integer label per row"):
        losses.circle([0, 1], np.zeros((3, 2)))
