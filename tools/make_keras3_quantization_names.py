"""Run once with real Keras 3 to add the quantizers and dtype_policies families to
tools/keras3_names.json (the public names of each namespace, as make_keras3_ops_names.py
lists them).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras3_quantization_names.py
"""
import keras
from make_keras3_ops_names import add_families

add_families({"quantizers": keras.quantizers, "dtype_policies": keras.dtype_policies},
             "The quantizers and dtype_policies families: "
             "tools/make_keras3_quantization_names.py (torch backend), modules left out.")
