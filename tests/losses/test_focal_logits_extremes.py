"""binary_focal_crossentropy with from_logits at extreme logits: as Keras 3.15 on jax and
torch, the crossentropy is the clipped one of the logits' sigmoid (round 20), so a wrong
logit of 1e4 costs what the clip allows, not 1e4."""
import numpy as np

import minikeras as keras

TARGETS = np.array([[0.0, 1.0, 0.0, 1.0], [2.0, -1.0, 0.5, 0.0]], "float32")
LOGITS = np.array([[-1e4, 1e4, 1e4, -1e4], [89.0, -89.0, 0.0, 0.0]], "float32")


def test_huge_wrong_logits_cost_the_clipped_crossentropy():
    got = keras.losses.binary_focal_crossentropy(TARGETS, LOGITS, from_logits=True)
    # Keras 3.15 on jax, float32 (round 20's loss_binary_focal_crossentropy_logits case)
    np.testing.assert_allclose(np.asarray(got), [8.015119552612305, -7.928476333618164],
                               rtol=2e-5)


def test_from_logits_equals_the_loss_of_the_sigmoid_probabilities():
    probabilities = 1.0 / (1.0 + np.exp(-LOGITS.astype("float64")))
    np.testing.assert_allclose(
        np.asarray(keras.losses.binary_focal_crossentropy(TARGETS, LOGITS, from_logits=True)),
        np.asarray(keras.losses.binary_focal_crossentropy(
            TARGETS, probabilities.astype("float32"))), rtol=1e-5)
