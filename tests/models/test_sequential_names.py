"""Automatic model names around Sequential builds, as Keras 3.15 gives them (probed): each
build of a Sequential makes an internal Functional that takes the next "functional" name."""
import numpy as np

import minikeras as keras


def test_each_sequential_build_takes_a_functional_name():
    keras.backend.clear_session()
    layers = keras.layers
    keras.Sequential([layers.Dense(2)])                       # not built: takes nothing
    a = keras.Input((3,))
    assert keras.Model(a, layers.Dense(1)(a)).name == "functional"
    seq = keras.Sequential([layers.Dense(2)])
    seq(np.ones((1, 3), "float32"))                           # built by data
    assert keras.Model(a, layers.Dense(1)(a)).name == "functional_2"
    declared = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    assert keras.Model(a, layers.Dense(1)(a)).name == "functional_4"
    declared.add(layers.Dense(3))                             # rebuilt
    assert keras.Model(a, layers.Dense(1)(a)).name == "functional_6"
