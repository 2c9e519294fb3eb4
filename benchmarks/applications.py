"""keras.applications inference: MobileNetV2 and ResNet50 at 224x224, batch 1 and 32.

Reports images/s of ``model.predict`` next to PyTorch eager with the same weights (2 threads
each, float32, one process, interleaved timings), and the peak memory of each framework's
inference in its own fresh subprocess.

torchvision cannot be installed beside this torch, so the PyTorch side is built here: the
minikeras model's graph is replayed node by node with ``torch.nn.functional`` (NCHW, the
weights copied from minikeras and transposed), i.e. the same network torchvision would
run. The outputs of both are compared before timing.

Run:  python benchmarks/applications.py [--repeats 3] [--models MobileNetV2 ResNet50]
      python benchmarks/applications.py --memory-child minikeras|torch MODEL BATCH
"""
import argparse
import json
import os


import common  # noqa: F401  (sets thread limits before numpy loads)
from common import (import_torch, interleaved_median, limit_threads, reset_peak_rss,
                    rss_status, run_child)

import numpy as np

SIZE = 224
BATCHES = (1, 32)


def build(name, classifier_activation="softmax"):
    import minikeras as keras
    keras.utils.set_random_seed(0)
    return getattr(keras.applications, name)(weights=None,
                                             classifier_activation=classifier_activation)


def images(batch):
    return np.random.default_rng(0).uniform(-1, 1, (batch, SIZE, SIZE, 3)).astype("float32")


def _same_pads(size, kernel, stride):
    """TensorFlow 'same' padding (before, after) of one spatial axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class TorchReplay:
    """The minikeras Functional graph replayed with torch.nn.functional ops (NCHW)."""

    def __init__(self, torch, model):
        self.torch, self.model = torch, model
        self.params = {}
        for layer in model.layers:
            self.params[layer.name] = [torch.from_numpy(np.ascontiguousarray(w))
                                       for w in self._torch_weights(layer)]

    def _torch_weights(self, layer):
        kind = type(layer).__name__
        weights = [np.asarray(w.numpy()) for w in layer.weights]
        if kind == "Conv2D":           # (kh, kw, cin, cout) -> (cout, cin, kh, kw)
            return [weights[0].transpose(3, 2, 0, 1)] + weights[1:]
        if kind == "DepthwiseConv2D":  # (kh, kw, cin, mult) -> (cin * mult, 1, kh, kw)
            kh, kw, cin, mult = weights[0].shape
            return [weights[0].reshape(kh, kw, cin * mult, 1).transpose(2, 3, 0, 1)] + \
                weights[1:]
        if kind == "Dense":
            return [weights[0].T] + weights[1:]
        return weights

    def _activation(self, activation, x):
        F = self.torch.nn.functional
        name = activation.__name__
        if name in ("relu", "softmax", "linear"):
            return {"relu": F.relu, "softmax": lambda t: F.softmax(t, dim=-1),
                    "linear": lambda t: t}[name](x)
        raise NotImplementedError(f"no torch equivalent for activation {name}")

    def _apply(self, layer, x):
        F = self.torch.nn.functional
        kind, p = type(layer).__name__, self.params[layer.name]
        if kind in ("Conv2D", "DepthwiseConv2D"):
            groups = x.shape[1] if kind == "DepthwiseConv2D" else 1
            stride, kernel = layer.strides[0], p[0].shape[-1]
            if layer.padding == "same":
                pads = _same_pads(x.shape[-1], kernel, stride)
                x = F.pad(x, (pads[0], pads[1], pads[0], pads[1]))
            bias = p[1] if len(p) > 1 else None
            x = F.conv2d(x, p[0], bias, stride=stride, groups=groups)
            return self._activation(layer.activation, x)
        if kind == "BatchNormalization":
            gamma, beta, mean, var = p
            return F.batch_norm(x, mean, var, gamma, beta, False, 0.0, layer.epsilon)
        if kind == "ReLU":
            return F.relu6(x) if layer.max_value == 6.0 else F.relu(x)
        if kind == "Activation":
            return self._activation(layer.activation, x)
        if kind == "ZeroPadding2D":
            (top, bottom), (left, right) = layer.padding
            return F.pad(x, (left, right, top, bottom))
        if kind == "MaxPooling2D":
            return F.max_pool2d(x, layer.pool_size, layer.strides)
        if kind == "GlobalAveragePooling2D":
            return x.mean(dim=(2, 3))
        if kind == "Dense":
            return self._activation(layer.activation, F.linear(x, p[0], p[1]))
        raise NotImplementedError(f"no torch equivalent for {kind} in this benchmark")

    def __call__(self, x):
        torch = self.torch
        model = self.model
        with torch.inference_mode():
            memo = {id(model.inputs[0]): torch.from_numpy(x).permute(0, 3, 1, 2)}
            for node, done in zip(model._run_order, self.last_uses):
                first = node.args[0]  # the call's first argument: a tensor, or Add's list
                if isinstance(first, (list, tuple)):  # Add
                    out = memo[id(first[0])] + memo[id(first[1])]
                else:
                    out = self._apply(node.layer, memo[id(first)])
                memo[id(node.outputs[0])] = out
                for key in done:  # as torchvision's forward, drop a tensor after its last use
                    del memo[key]
            return memo[id(model.outputs[0])].numpy()

    @property
    def last_uses(self):
        """Per node of the run order, the tensors (ids) no later node reads."""
        last = {}
        for i, node in enumerate(self.model._run_order):
            for tensor in node.inputs:
                last[id(tensor)] = i
        done = [[] for _ in self.model._run_order]
        for key, i in last.items():
            done[i].append(key)
        return done


def throughput(name, repeats):
    torch = import_torch()
    limit_threads()
    model = build(name, classifier_activation=None)  # logits: the comparison is sharper
    replay = TorchReplay(torch, model)
    rows = []
    for batch in BATCHES:
        x = images(batch)
        logits = model.predict(x, batch_size=batch, verbose=0)
        gap = float(np.abs(logits - replay(x)).max() / np.abs(logits).max())
        times = interleaved_median(
            {"minikeras": lambda: model.predict(x, batch_size=batch, verbose=0),
             "torch": lambda: replay(x)}, repeats=repeats, warmup=1)
        mk, pt = times["minikeras"][0], times["torch"][0]
        rows.append({"model": name, "batch": batch, "minikeras_img_s": batch / mk,
                     "torch_img_s": batch / pt, "minikeras_vs_torch": pt / mk,
                     "max_logit_gap_relative": gap})
    return rows


def memory_child(framework, name, batch):
    """Peak RSS of building the model and one inference of ``batch`` images."""
    reset_peak_rss()
    model = build(name)
    x = images(batch)
    if framework == "torch":
        torch = import_torch()
        replay = TorchReplay(torch, model)
        del model  # the replay holds its own copy of the weights
        replay(x)
    else:
        model.predict(x, batch_size=batch, verbose=0)
    print(json.dumps({"peak_mb": rss_status()[1]}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["MobileNetV2", "ResNet50"])
    parser.add_argument("--memory-child", nargs=3, metavar=("FRAMEWORK", "MODEL", "BATCH"))
    args = parser.parse_args()
    if args.memory_child:
        framework, name, batch = args.memory_child
        return memory_child(framework, name, int(batch))
    rows = []
    for name in args.models:
        rows += throughput(name, args.repeats)
    for row in rows:
        for framework in ("minikeras", "torch"):
            out = run_child([os.path.abspath(__file__), "--memory-child", framework, row["model"],
                             str(row["batch"])])
            row[f"{framework}_peak_mb"] = out["peak_mb"]
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
