"""Profile minikeras's fit on workload 1 (MLP) or 2 (9 x Dense(32), batch 32).

    python benchmarks/profile_minikeras.py mlp                 # cProfile, top by tottime
    python benchmarks/profile_minikeras.py overhead --sort cumulative
    python benchmarks/profile_minikeras.py mlp --pyinstrument  # needs `pip install pyinstrument`

Only minikeras is imported (no torch). One warm-up epoch runs unprofiled, then ``--epochs``
epochs are profiled. cProfile adds a fixed cost to every Python call, so it overstates
Python-heavy code (use it to rank call counts and tottime); pyinstrument samples and is
closer to real wall-time shares.
"""
import argparse
import cProfile
import io
import pstats
import sys

import common  # noqa: F401
from common import classification_data, glorot_dense_weights, keras_dense_stack, limit_threads

WORKLOADS = {
    # name: (samples, features, hidden, classes, dropout, batch)
    "mlp": (10240, 784, (512, 512), 10, 0.2, 128),
    "overhead": (4096, 32, (32,) * 9, 10, None, 32),
}


def build(name):
    import minikeras as keras
    limit_threads()
    samples, features, hidden, classes, dropout, batch = WORKLOADS[name]
    x, y = classification_data(samples, features, classes)
    weights = glorot_dense_weights((features,) + hidden + (classes,))
    model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
    fit = lambda epochs: model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0,  # noqa
                                   shuffle=False)
    return model, fit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative", "ncalls"))
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)
    _, fit = build(args.workload)
    fit(1)  # warm-up: build caches, pack variables, create optimizer slots
    if args.pyinstrument:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        profiler.start()
        fit(args.epochs)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return
    profiler = cProfile.Profile()
    profiler.enable()
    fit(args.epochs)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
