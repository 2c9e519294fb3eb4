"""Before/after CPU time of a convolutional network's `fit` step, both checkouts in ONE process.

    python benchmarks/cnn_ab.py BEFORE_ROOT [AFTER_ROOT] [--net mnist_convnet|bn_gap]
                                [--rounds 6] [--torch]

The networks are those of ``cnn.py`` (Keras's mnist_convnet, and bn_gap: padding "same",
BatchNormalization, a stride-2 conv, global average pooling). Each checkout's ``minikeras``
is imported under its own name (``ab_cpu_time.import_checkouts``), both models start from the
same seed, and their one-epoch fits alternate round by round, so machine drift hits both
alike. Prints per version the min and median CPU us per step (``time.thread_time``, 1 BLAS
thread) and the paired median of after / before; with ``--torch``, PyTorch eager (one
intra-op thread, same weights and batches) joins the alternation and PyTorch / after is
printed. ``--threads 2 --wall`` times wall clock with 2 BLAS threads instead (the setting
of ``cnn.py`` and of the PyTorch comparison; noisier on a loaded machine, so alternate more
rounds).
"""
import argparse
import functools
import os
import sys
import gc
import tempfile
import time

from ab_cpu_time import import_checkouts, report
from cnn import NETS, image_data, keras_net, torch_net
from common import TorchTrainer, import_torch, limit_threads

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="checkout whose minikeras is 'before'")
    parser.add_argument("after", nargs="?", default=os.path.dirname(HERE),
                        help="checkout whose minikeras is 'after' (default: this one)")
    parser.add_argument("--net", choices=sorted(NETS), default="mnist_convnet")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--samples", type=int)
    parser.add_argument("--torch", action="store_true",
                        help="also time PyTorch eager (same threads) and print its ratio to after")
    parser.add_argument("--threads", type=int, default=1, help="BLAS (and PyTorch) threads")
    parser.add_argument("--wall", action="store_true",
                        help="time wall clock (perf_counter) instead of thread CPU time")
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    samples, batch = args.samples or NETS[args.net]["samples"], NETS[args.net]["batch"]
    x, y = image_data(args.net, samples)
    epochs = {}
    with tempfile.TemporaryDirectory() as packages:
        for label, keras in import_checkouts(args.before, args.after, packages):
            keras.utils.set_random_seed(0)
            model = keras_net(keras, args.net)
            epochs[label] = functools.partial(model.fit, x, y, batch_size=batch, epochs=1,
                                              verbose=0, shuffle=False)
            epochs[label]()                                                  # warm-up
        if args.torch:
            torch = import_torch(args.threads)
            trainer = TorchTrainer(torch, *torch_net(torch, args.net, model.get_weights()),
                                   x.transpose(0, 3, 1, 2).copy(), y, batch)
            trainer.fit_epoch()                                              # warm-up
            epochs["torch"] = trainer.fit_epoch
        clock = time.perf_counter if args.wall else time.thread_time
        times = {label: [] for label in epochs}
        for _ in range(args.rounds):
            for label, epoch in epochs.items():
                gc.collect()
                start = clock()
                epoch()
                times[label].append((clock() - start) / (samples // batch) * 1e6)
    report(args.net, times)


if __name__ == "__main__":
    sys.exit(main())
