"""Convolutional networks that no other benchmark tunes for: fit and predict samples/s of
one checkout (``--root``, default this one), and where an owned step's time goes.

Networks (random float32 data, Adam, shuffle off, 2 threads):

* ``resnet`` - 32x32x3, batch 64: Conv(32)-BN-ReLU, a residual block (Conv-BN-ReLU-Conv-BN,
  Add, ReLU), a stride-2 block to 64 channels with a 1x1 stride-2 projection,
  GlobalAveragePooling2D, Dense(10, softmax).
* ``mobilenet`` - 32x32x3, batch 64: Conv(32, stride 2)-BN-ReLU6, then two MobileNetV2
  inverted residual blocks (1x1 expand x4 - BN - ReLU6 - DepthwiseConv2D 3x3 - BN - ReLU6 -
  1x1 project - BN, Add), GlobalAveragePooling2D, Dense(10, softmax).
* ``unet`` - a small UNet autoencoder, 32x32x3, batch 32, mean squared error:
  Conv(16)-MaxPool-Conv(32)-MaxPool-Conv(64), Conv2DTranspose(32, 2, stride 2),
  Concatenate with the 16x16 skip, Conv(32), UpSampling2D, Concatenate with the 32x32 skip,
  Conv(16), Conv(3, sigmoid).
* ``conv1d`` - a time-series / text net, (128 steps, 32 features), batch 64:
  Conv1D(64, 5, relu)-Dropout(0.3)-MaxPooling1D-Conv1D(64, 5, relu)-Dropout(0.3)-
  GlobalAveragePooling1D-Dense(10, softmax).

Modes:

* default: median fit samples/s (one epoch a call, after a warm-up epoch; the loops choose
  their threading as in any fit) and predict samples/s at batch 256, over ``--repeats``.
  ``--torch``: the same nets in eager PyTorch too (channels first, 2 intra-op threads,
  cross-entropy on logits via ``common.TorchTrainer``; not the UNet), alternating with
  minikeras epoch by epoch in one process.
* ``--primitives``: wall ms per step of each autodiff primitive's forward and backward
  on owned fit and predict steps (BLAS pinned, parts at once), with the step's total: the unsplit
  passes show up as the large entries.

Compare checkouts by running it twice, alternately:
    python benchmarks/conv_nets.py --root /work/main --net resnet
    python benchmarks/conv_nets.py --net resnet
"""
import argparse
import collections
import functools
import os
import statistics
import sys
import time

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy's BLAS starts)
from breakdown import _function_classes

NETS = {"resnet": dict(shape=(32, 32, 3), batch=64, samples=1024),
        "mobilenet": dict(shape=(32, 32, 3), batch=64, samples=1024),
        "unet": dict(shape=(32, 32, 3), batch=32, samples=512),
        "conv1d": dict(shape=(128, 32), batch=64, samples=2048)}
CLASSES, PREDICT_BATCH = 10, 256


def _conv_bn(L, x, filters, kernel=3, strides=1, activation="relu"):
    x = L.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = L.BatchNormalization()(x)
    return L.Activation(activation)(x) if activation else x


def resnet(keras):
    L = keras.layers
    inputs = keras.Input(NETS["resnet"]["shape"])
    x = _conv_bn(L, inputs, 32)
    y = _conv_bn(L, _conv_bn(L, x, 32), 32, activation=None)
    x = L.Activation("relu")(L.Add()([x, y]))
    y = _conv_bn(L, _conv_bn(L, x, 64, strides=2), 64, activation=None)
    shortcut = _conv_bn(L, x, 64, kernel=1, strides=2, activation=None)
    x = L.Activation("relu")(L.Add()([shortcut, y]))
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(CLASSES, activation="softmax")(x))


def mobilenet(keras):
    L = keras.layers
    inputs = keras.Input(NETS["mobilenet"]["shape"])
    x = _conv_bn(L, inputs, 32, strides=2, activation="relu6")
    for _ in range(2):
        y = _conv_bn(L, x, 128, kernel=1, activation="relu6")
        y = L.DepthwiseConv2D(3, padding="same", use_bias=False)(y)
        y = L.Activation("relu6")(L.BatchNormalization()(y))
        y = _conv_bn(L, y, 32, kernel=1, activation=None)
        x = L.Add()([x, y])
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(CLASSES, activation="softmax")(x))


def unet(keras):
    L = keras.layers
    inputs = keras.Input(NETS["unet"]["shape"])
    s1 = L.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    s2 = L.Conv2D(32, 3, padding="same", activation="relu")(L.MaxPooling2D()(s1))
    x = L.Conv2D(64, 3, padding="same", activation="relu")(L.MaxPooling2D()(s2))
    x = L.Conv2DTranspose(32, 2, strides=2, padding="same")(x)
    x = L.Conv2D(32, 3, padding="same", activation="relu")(L.Concatenate()([x, s2]))
    x = L.Concatenate()([L.UpSampling2D()(x), s1])
    x = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    return keras.Model(inputs, L.Conv2D(3, 3, padding="same", activation="sigmoid")(x))


def conv1d(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input(NETS["conv1d"]["shape"]), L.Conv1D(64, 5, activation="relu"),
        L.Dropout(0.3), L.MaxPooling1D(), L.Conv1D(64, 5, activation="relu"), L.Dropout(0.3),
        L.GlobalAveragePooling1D(), L.Dense(CLASSES, activation="softmax")])


def build(keras, net):
    """The compiled model and its data (random, seeded)."""
    keras.utils.set_random_seed(0)
    model = globals()[net](keras)
    spec = NETS[net]
    rng = np.random.default_rng(0)
    x = rng.random((spec["samples"],) + spec["shape"], dtype=np.float32)
    if net == "unet":
        y, loss = x, "mse"
    else:
        y, loss = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, len(x))], \
            "categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    return model, x, y, spec["batch"]


def torch_net(torch, net):
    """The same network in PyTorch (channels first, logits out; Keras's BatchNormalization
    epsilon and momentum), or None for the UNet (trained on mean squared error)."""
    nn = torch.nn

    def conv_bn(cin, cout, kernel=3, stride=1, act=nn.ReLU):
        layers = [nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
                  nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)]
        return nn.Sequential(*layers, act()) if act else nn.Sequential(*layers)

    class Residual(nn.Module):
        def __init__(self, body, shortcut=None, act=None):
            super().__init__()
            self.body, self.shortcut, self.act = body, shortcut or nn.Identity(), act
        def forward(self, x):  # noqa: E301
            y = self.shortcut(x) + self.body(x)
            return self.act(y) if self.act else y

    gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if net == "resnet":
        return nn.Sequential(
            conv_bn(3, 32), Residual(nn.Sequential(conv_bn(32, 32), conv_bn(32, 32, act=None)),
                                     act=nn.ReLU()),
            Residual(nn.Sequential(conv_bn(32, 64, stride=2), conv_bn(64, 64, act=None)),
                     conv_bn(32, 64, 1, 2, act=None), nn.ReLU()),
            gap, nn.Linear(64, CLASSES))
    if net == "mobilenet":
        def block():
            depthwise = nn.Conv2d(128, 128, 3, padding=1, groups=128, bias=False)
            return Residual(nn.Sequential(
                conv_bn(32, 128, 1, act=nn.ReLU6), depthwise,
                nn.BatchNorm2d(128, eps=1e-3, momentum=0.01), nn.ReLU6(),
                conv_bn(128, 32, 1, act=None)))
        return nn.Sequential(conv_bn(3, 32, stride=2, act=nn.ReLU6), block(), block(), gap,
                             nn.Linear(32, CLASSES))
    if net == "conv1d":
        return nn.Sequential(nn.Conv1d(32, 64, 5), nn.ReLU(), nn.Dropout(0.3), nn.MaxPool1d(2),
                             nn.Conv1d(64, 64, 5), nn.ReLU(), nn.Dropout(0.3),
                             nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(64, CLASSES))
    return None


def speed(keras, net, repeats, torch=None):
    """Median fit and predict samples/s; with ``torch``, the PyTorch net's too, its
    epochs and predictions alternating with minikeras's."""
    model, x, y, batch = build(keras, net)
    runs = {"fit": lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0,
                                     shuffle=False),
            "predict": lambda: model.predict(x, batch_size=PREDICT_BATCH, verbose=0)}
    tmodel = torch_net(torch, net) if torch is not None else None
    if tmodel is not None:
        tx = np.ascontiguousarray(np.moveaxis(x, -1, 1))
        trainer = common.TorchTrainer(torch, tmodel, torch.optim.Adam(tmodel.parameters(),
                                                                      1e-3), tx, y, batch)
        runs["torch fit"] = trainer.fit_epoch
        runs["torch predict"] = functools.partial(_torch_predict, torch, tmodel, tx)
    for run in runs.values():
        run()
    rates = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            rates[name].append(len(x) / (time.perf_counter() - start))
    out = {name: statistics.median(r) for name, r in rates.items()}
    out["owned"] = {kind: way.owned for kind, way in getattr(model, "_threading", {}).items()}
    return out


def _torch_predict(torch, model, x):
    model.eval()
    with torch.no_grad():
        for start in range(0, len(x), PREDICT_BATCH):
            model(torch.from_numpy(x[start:start + PREDICT_BATCH]))


def primitive_times(keras, net):
    """Wall ms per step of each primitive's forward / backward, every step owned: for fit
    and for predict (batch ``PREDICT_BATCH``)."""
    model, x, y, batch = build(keras, net)
    for way in model._threading.values():
        way.owned = True
    fit = functools.partial(model.fit, x, y, batch_size=batch, epochs=1, verbose=0,
                            shuffle=False)
    predict = functools.partial(model.predict, x, batch_size=PREDICT_BATCH, verbose=0)
    return {"fit": _timed_primitives(fit, -(-len(x) // batch)),
            "predict": _timed_primitives(predict, -(-len(x) // PREDICT_BATCH))}


def _timed_primitives(run, steps):
    run()                                                   # warm-up
    acc, restore = collections.defaultdict(float), []
    for cls in _function_classes():
        for name in ("forward", "backward"):
            if name in cls.__dict__:
                fn = cls.__dict__[name]
                restore.append((cls, name, fn))

                def timed(*args, _fn=fn, _key=f"{cls.__name__}.{name}", **kwargs):
                    start = time.perf_counter()
                    try:
                        return _fn(*args, **kwargs)
                    finally:
                        acc[_key] += time.perf_counter() - start
                setattr(cls, name, functools.wraps(fn)(timed))
    start = time.perf_counter()
    try:
        run()
    finally:
        total = time.perf_counter() - start
        for cls, name, fn in restore:
            setattr(cls, name, fn)
    return {"step": total / steps * 1e3,
            **{k: v / steps * 1e3 for k, v in sorted(acc.items(), key=lambda kv: -kv[1])}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="checkout whose minikeras to time")
    parser.add_argument("--net", nargs="+", choices=sorted(NETS), default=sorted(NETS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--primitives", action="store_true")
    parser.add_argument("--torch", action="store_true",
                        help="time the same nets in PyTorch too, alternating")
    args = parser.parse_args(argv)
    if args.root:
        sys.path.insert(0, os.path.abspath(args.root))
    import minikeras as keras
    torch = common.import_torch() if args.torch else None
    common.limit_threads()
    label = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(keras.__file__))))
    for net in args.net:
        if args.primitives:
            for loop, times in primitive_times(keras, net).items():
                print(f"{net} {loop} ({label}): ms per owned step")
                for key, ms in times.items():
                    if ms >= 0.1:
                        print(f"  {key:32s} {ms:8.2f}")
        else:
            r = speed(keras, net, args.repeats, torch)
            print(f"{net:10s} {label:14s} fit {r['fit']:8.0f}/s  predict {r['predict']:8.0f}/s"
                  f"  owned {r['owned']}")
            if "torch fit" in r:
                print(f"{net:10s} {'PyTorch':14s} fit {r['torch fit']:8.0f}/s  predict "
                      f"{r['torch predict']:8.0f}/s")


if __name__ == "__main__":
    main()
