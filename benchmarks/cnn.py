"""Workload 5: convolutional networks, minikeras and plain eager PyTorch side by side.

Two networks (same data, same initial weights, same batch order, shuffle off, float32,
2 threads each; PyTorch gets the images channels-first, as a PyTorch user has them):

* ``mnist_convnet`` - Keras's mnist_convnet example: 28x28x1, Conv2D(32, 3, relu) -
  MaxPooling2D(2) - Conv2D(64, 3, relu) - MaxPooling2D(2) - Flatten - Dropout(0.5) -
  Dense(10, softmax), Adam, batch 128.
* ``bn_gap`` - a network not tuned for: 32x32x3, padding "same" everywhere, no conv bias,
  BatchNormalization after each conv, a stride-2 conv reading 32x32x32 feature maps,
  GlobalAveragePooling2D, Dense(10, softmax), Adam, batch 64:
  Conv(32) - BN - relu - Conv(64, strides 2) - BN - relu - Conv(64) - BN - relu - GAP - Dense.

Measured: fit samples/s (one epoch per timed call), predict samples/s at batch 1024, and
the peak memory of build + fit + predict(batch 1024), each framework alone in a fresh
subprocess (``python benchmarks/cnn.py --memory-child minikeras|torch --net NAME``).

Run alone:  python benchmarks/cnn.py [--net mnist_convnet bn_gap] [--repeats 5]
"""
import argparse
import json
import sys

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import (TorchTrainer, import_torch, interleaved_median, limit_threads,
                    reset_peak_rss, rss_status, run_child)

CLASSES, PREDICT_BATCH = 10, 1024
NETS = {
    "mnist_convnet": dict(input_shape=(28, 28, 1), batch=128, samples=3840),
    "bn_gap": dict(input_shape=(32, 32, 3), batch=64, samples=2048),
}


def image_data(net, samples, seed=0):
    """Random float32 images in [0, 1) and one-hot labels (identical for both frameworks)."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples,) + NETS[net]["input_shape"], dtype=np.float32)
    y = np.zeros((samples, CLASSES), np.float32)
    y[np.arange(samples), rng.integers(0, CLASSES, samples)] = 1.0
    return x, y


def keras_net(keras, net):
    L = keras.layers
    if net == "mnist_convnet":
        body = [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                L.Dropout(0.5), L.Dense(CLASSES, activation="softmax")]
    else:
        body = []
        for filters, strides in ((32, 1), (64, 2), (64, 1)):
            body += [L.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False),
                     L.BatchNormalization(), L.Activation("relu")]
        body += [L.GlobalAveragePooling2D(), L.Dense(CLASSES, activation="softmax")]
    model = keras.Sequential([keras.Input(NETS[net]["input_shape"])] + body)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def torch_net(torch, net, keras_weights=None):
    """The same network in PyTorch (NCHW), from minikeras's initial weights when given."""
    nn = torch.nn
    channels = NETS[net]["input_shape"][-1]
    if net == "mnist_convnet":
        modules = [nn.Conv2d(channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                   nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                   nn.Dropout(0.5), nn.Linear(1600, CLASSES)]
    else:
        modules, c = [], channels
        for filters, strides in ((32, 1), (64, 2), (64, 1)):
            # Keras's BatchNormalization: momentum 0.99 (PyTorch counts 1 - that), eps 1e-3
            modules += [nn.Conv2d(c, filters, 3, stride=strides, padding=1, bias=False),
                        nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01), nn.ReLU()]
            c = filters
        modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, CLASSES)]
    model = nn.Sequential(*modules)
    if keras_weights is not None:
        _load_keras_weights(torch, model, keras_weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def _load_keras_weights(torch, model, weights):
    """Copy Keras-layout weights (conv (kh, kw, in, out), dense (in, out), BN gamma, beta,
    moving mean, moving variance) into the PyTorch modules, in order."""
    nn, it = torch.nn, iter(weights)
    previous = None
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Conv2d):
                module.weight.copy_(torch.from_numpy(next(it).transpose(3, 2, 0, 1).copy()))
                if module.bias is not None:
                    module.bias.copy_(torch.from_numpy(next(it)))
            elif isinstance(module, nn.BatchNorm2d):
                for target in (module.weight, module.bias, module.running_mean,
                               module.running_var):
                    target.copy_(torch.from_numpy(next(it)))
            elif isinstance(module, nn.Linear):
                kernel = next(it)
                if isinstance(previous, nn.Flatten) and kernel.shape[0] == 1600:
                    # Keras flattens (h, w, c), PyTorch (c, h, w): reorder the input rows
                    kernel = kernel.reshape(5, 5, 64, -1).transpose(2, 0, 1, 3).reshape(1600, -1)
                module.weight.copy_(torch.from_numpy(kernel.T.copy()))
                module.bias.copy_(torch.from_numpy(next(it)))
            previous = module


def build_pair(net, x, y):
    import minikeras as keras
    torch = import_torch()
    keras.utils.set_random_seed(0)
    kmodel = keras_net(keras, net)
    tmodel, topt = torch_net(torch, net, kmodel.get_weights())
    x_nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return kmodel, TorchTrainer(torch, tmodel, topt, x_nchw, y, NETS[net]["batch"]), x_nchw


def run(net, repeats=5, warmup=1, samples=None, memory=True):
    samples = samples or NETS[net]["samples"]
    batch = NETS[net]["batch"]
    x, y = image_data(net, samples)
    kmodel, trainer, x_nchw = build_pair(net, x, y)
    limit_threads()
    with_first = {"minikeras_first_epoch_loss": float(kmodel.fit(
        x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False).history["loss"][-1]),
        "torch_first_epoch_loss": trainer.fit_epoch()["loss"]}
    fit = interleaved_median({
        "minikeras": lambda: kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0,
                                        shuffle=False),
        "torch": trainer.fit_epoch,
    }, repeats=repeats, warmup=warmup)
    pred = interleaved_median({
        "minikeras": lambda: kmodel.predict(x, batch_size=PREDICT_BATCH, verbose=0),
        "torch": lambda: trainer.predict(x_nchw, PREDICT_BATCH),
    }, repeats=repeats, warmup=warmup)
    result = {
        "net": net, "samples": samples, "batch": batch,
        "fit_sps": {k: samples / v[0] for k, v in fit.items()},
        "fit_times": {k: v[1] for k, v in fit.items()},
        "predict_sps": {k: samples / v[0] for k, v in pred.items()},
        "predict_times": {k: v[1] for k, v in pred.items()},
        "check": with_first,
    }
    if memory:
        result["memory"] = {fw: run_child(["benchmarks/cnn.py", "--memory-child", fw,
                                           "--net", net, "--samples", str(samples)])
                            for fw in ("minikeras", "torch")}
    return result


def memory_child(framework, net, samples):
    """Peak RSS growth during build + fit (1 epoch) + predict(batch 1024), fresh process;
    the baseline is the RSS after the import and the data (see mlp.memory_child)."""
    x, y = image_data(net, samples)
    batch = NETS[net]["batch"]
    if framework == "minikeras":
        import minikeras as keras
        limit_threads()
    else:
        torch = import_torch()
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    baseline, _ = rss_status()
    exact = reset_peak_rss()
    if not exact:
        _, baseline = rss_status()
    if framework == "minikeras":
        model = keras_net(keras, net)
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        model.predict(x, batch_size=PREDICT_BATCH, verbose=0)
    else:
        model, opt = torch_net(torch, net)
        trainer = TorchTrainer(torch, model, opt, x, y, batch)
        trainer.fit_epoch()
        trainer.predict(x, PREDICT_BATCH)
    _, peak = rss_status()
    print(json.dumps({"framework": framework, "net": net, "baseline_mib": baseline,
                      "peak_mib": peak, "growth_mib": peak - baseline, "exact_reset": exact}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", nargs="+", choices=sorted(NETS), default=sorted(NETS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--samples", type=int)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-child", choices=("minikeras", "torch"))
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.net[0], args.samples or NETS[args.net[0]]["samples"])
        return
    for net in args.net:
        print(json.dumps(run(net, args.repeats, args.warmup, args.samples,
                             memory=not args.no_memory), indent=1))


if __name__ == "__main__":
    sys.exit(main())
