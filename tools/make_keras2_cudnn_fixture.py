"""Write Keras 2 ``model.save("m.h5")`` files holding CuDNNLSTM / CuDNNGRU layers, with h5py.

Keras 2 cannot run here (and its cuDNN layers needed a GPU), so the files are written the
way Keras 2.15's ``save_model_to_hdf5`` laid them out (keras/saving/legacy/hdf5_format.py):
root attributes ``keras_version``, ``backend`` (str) and ``model_config`` (JSON bytes);
group ``model_weights`` with byte-string attributes ``layer_names``, ``backend``,
``keras_version``, one group per layer (sorted by name) whose ``weight_names`` attribute
names its datasets (``cu_dnnlstm/kernel:0``; the ``/`` nest groups), and an empty
``top_level_model_weights``. The layer configs are Keras 2's ``get_config()`` keys.

The weights start from cuDNN's own parameters, per gate g: W_g (units, input_dim),
R_g (units, units), input bias bW_g and recurrent bias bR_g. Keras 2's cuDNN layers handed
cuDNN the row-major contents of their kernel blocks (``gru_lstm_utils.canonical_to_params``
without transposing), so the stored kernel block g is W_g's row-major values laid into an
(input_dim, units) array, the recurrent block is R_g, and the bias is all bW then all bR.
Gate blocks are in Keras order (LSTM i, f, c, o; GRU z, r, h: Keras 2's CuDNNGRU passed
its blocks to cuDNN as r, z, h). The cuDNN parameters and the inputs go to
``keras2_cudnn_params.npz``; the test computes the expected outputs from them with the
cuDNN equations, independently of the conversion.

Run: ``PYTHONPATH=. /work/venv/bin/python tools/make_keras2_cudnn_fixture.py``.
"""
import json
import pathlib

import h5py
import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "rnn"
RNG = np.random.default_rng(20261203)
INPUT_DIM, STEPS = 3, 5

INITIALIZERS = {
    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
    "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
    "bias_initializer": {"class_name": "Zeros", "config": {}},
}
NO_OPTIONS = {k: None for k in ("kernel_regularizer", "recurrent_regularizer",
                                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                "recurrent_constraint", "bias_constraint")}


def cudnn_config(class_name, name, units, return_sequences):
    config = {"name": name, "trainable": True, "dtype": "float32",
              "return_sequences": return_sequences, "return_state": False,
              "go_backwards": False, "stateful": False, "time_major": False, "units": units,
              **INITIALIZERS, **NO_OPTIONS}
    if class_name == "CuDNNLSTM":
        config["unit_forget_bias"] = True
    return {"class_name": class_name, "config": config}


def cudnn_params(gates, units, input_dim):
    """cuDNN's parameters: W (gates, units, input_dim), R (gates, units, units), bW, bR."""
    draw = lambda *shape: RNG.normal(scale=0.5, size=shape).astype(np.float32)  # noqa: E731
    return {"W": draw(gates, units, input_dim), "R": draw(gates, units, units),
            "bW": draw(gates, units), "bR": draw(gates, units)}


def stored_arrays(params):
    """The kernel, recurrent_kernel and bias a Keras 2 cuDNN layer kept for ``params``."""
    gates, units, input_dim = params["W"].shape
    kernel = np.concatenate([w.reshape(-1).reshape(input_dim, units) for w in params["W"]], 1)
    recurrent = np.concatenate(list(params["R"]), axis=1)
    bias = np.concatenate([params["bW"].reshape(-1), params["bR"].reshape(-1)])
    return [kernel, recurrent, bias]


def write_model(path, model_name, layers, weights):
    """layers: [(name, layer config)]; weights: {layer name: [(weight name, array)]}."""
    input_layer = {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, STEPS, INPUT_DIM], "dtype": "float32", "sparse": False,
        "ragged": False, "name": f"{layers[0][0]}_input"}}
    first = dict(layers[0][1], config={**layers[0][1]["config"],
                                       "batch_input_shape": [None, STEPS, INPUT_DIM]})
    entries = [input_layer, first] + [config for _, config in layers[1:]]
    model_config = {"class_name": "Sequential",
                    "config": {"name": model_name, "layers": entries}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([name.encode("utf8") for name, _ in layers])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.15.0"
        for name in sorted(weights):
            g = group.create_group(name)
            g.attrs["weight_names"] = np.array([w.encode("utf8") for w, _ in weights[name]])
            for weight_name, array in weights[name]:
                g.create_dataset(weight_name, data=array)
        top = group.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.array([], dtype="S1")


def weight_entries(prefix, arrays):
    return [(f"{prefix}/{n}:0", a) for n, a in zip(("kernel", "recurrent_kernel", "bias"),
                                                    arrays)]


def main():
    npz = {"x": RNG.normal(size=(4, STEPS, INPUT_DIM)).astype(np.float32)}

    # 1. CuDNNLSTM(4, return_sequences=True) -> CuDNNGRU(3, return_sequences=True)
    lstm, gru = cudnn_params(4, 4, INPUT_DIM), cudnn_params(3, 3, 4)
    npz.update({f"stack_lstm/{k}": v for k, v in lstm.items()})
    npz.update({f"stack_gru/{k}": v for k, v in gru.items()})
    write_model(OUT / "keras2_cudnn_stack.h5", "sequential",
                [("cu_dnnlstm", cudnn_config("CuDNNLSTM", "cu_dnnlstm", 4, True)),
                 ("cu_dnngru", cudnn_config("CuDNNGRU", "cu_dnngru", 3, True))],
                {"cu_dnnlstm": weight_entries("cu_dnnlstm", stored_arrays(lstm)),
                 "cu_dnngru": weight_entries("cu_dnngru", stored_arrays(gru))})

    # 2. Bidirectional(CuDNNLSTM(2, return_sequences=True)) -> Bidirectional(CuDNNGRU(2), sum)
    params = {"bi_lstm_fw": cudnn_params(4, 2, INPUT_DIM),
              "bi_lstm_bw": cudnn_params(4, 2, INPUT_DIM),
              "bi_gru_fw": cudnn_params(3, 2, 4), "bi_gru_bw": cudnn_params(3, 2, 4)}
    for key, value in params.items():
        npz.update({f"{key}/{k}": v for k, v in value.items()})
    bi_lstm = {"class_name": "Bidirectional", "config": {
        "name": "bidirectional", "trainable": True, "dtype": "float32", "merge_mode": "concat",
        "layer": cudnn_config("CuDNNLSTM", "cu_dnnlstm_1", 2, True)}}
    bi_gru = {"class_name": "Bidirectional", "config": {
        "name": "bidirectional_1", "trainable": True, "dtype": "float32", "merge_mode": "sum",
        "layer": cudnn_config("CuDNNGRU", "cu_dnngru_1", 2, False)}}
    write_model(OUT / "keras2_cudnn_bidirectional.h5", "sequential_1",
                [("bidirectional", bi_lstm), ("bidirectional_1", bi_gru)],
                {"bidirectional":
                    weight_entries("bidirectional/forward_cu_dnnlstm_1",
                                   stored_arrays(params["bi_lstm_fw"]))
                    + weight_entries("bidirectional/backward_cu_dnnlstm_1",
                                     stored_arrays(params["bi_lstm_bw"])),
                 "bidirectional_1":
                    weight_entries("bidirectional_1/forward_cu_dnngru_1",
                                   stored_arrays(params["bi_gru_fw"]))
                    + weight_entries("bidirectional_1/backward_cu_dnngru_1",
                                     stored_arrays(params["bi_gru_bw"]))})
    np.savez(OUT / "keras2_cudnn_params.npz", **npz)


if __name__ == "__main__":
    main()
