"""CPU time of one `fit` step (MLP and 9 x Dense(32)) and of MLP predict, for one checkout.

    python benchmarks/step_cpu_time.py                 # this checkout
    python benchmarks/step_cpu_time.py /path/to/other  # another checkout (A/B: alternate runs)

On a shared machine wall-clock throughput moves by 2x between runs; CPU time of the
running thread (`time.thread_time`, 1 BLAS thread) is not inflated by preemption, so
before/after comparisons alternate this script between two checkouts and take the
best of several epochs. Prints one line: µs per training step (MLP batch 128 with
Dropout(0.2), 9 x Dense(32) batch 32) and µs per MLP predict call (batch 1024).

With ``--phases``, the tiny workload's step is split instead: the pieces of the trainer's
built-in step (forward, loss, metrics, backward into the optimizer's gradient buffer,
optimizer) timed one by one over the epoch's batches, best epoch per phase.
"""
import argparse
import gc
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

WORKLOADS = {
    # name: (samples, features, hidden, classes, dropout, batch)
    "mlp": (1280, 784, (512, 512), 10, 0.2, 128),
    "tiny": (2048, 32, (32,) * 9, 10, None, 32),
}


def best_step_us(model, x, y, batch, epochs):
    """Best over ``epochs`` one-epoch fits of the CPU µs per step."""
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
    best = float("inf")
    for _ in range(epochs):
        gc.collect()
        start = time.thread_time()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        best = min(best, (time.thread_time() - start) / (len(x) // batch))
    return best * 1e6


def best_predict_us(model, x, repeats):
    model.predict(x, batch_size=len(x), verbose=0)
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        model.predict(x, batch_size=len(x), verbose=0)
        best = min(best, time.thread_time() - start)
    return best * 1e6


PHASES = ("forward", "loss", "metrics", "backward", "optimizer")


def best_phase_us(model, x, y, batch, epochs, grad):
    """Best over ``epochs`` epochs of the CPU µs per step of each phase of the built-in
    step (``Trainer._train_batch``'s pieces, called one by one)."""
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # build, warm up
    clock, optimizer, steps = time.thread_time, model.optimizer, len(x) // batch
    best = dict.fromkeys(PHASES, float("inf"))
    for _ in range(epochs):
        spent = dict.fromkeys(PHASES, 0.0)
        gc.collect()
        for i in range(steps):
            xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
            t0 = clock()
            y_pred = model(xb, training=True)
            t1 = clock()
            loss = model._loss_for_step(xb, yb, y_pred, None, True)
            t2 = clock()
            model._update_metrics(xb, yb, y_pred, loss, None)
            t3 = clock()
            variables = model._training_plan().variables
            grads = grad(optimizer.scale_loss(loss), variables,
                         out=optimizer.gradient_buffers(variables))
            t4 = clock()
            optimizer.apply(grads, variables)
            t5 = clock()
            for phase, start, end in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5)):
                spent[phase] += end - start
        best = {phase: min(best[phase], spent[phase] / steps) for phase in PHASES}
    return {phase: round(us * 1e6, 1) for phase, us in best.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=os.path.dirname(HERE),
                        help="checkout whose minikeras to import (default: this one)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--phases", action="store_true",
                        help="split the tiny workload's step into its phases")
    args = parser.parse_args(argv)
    from common import (classification_data, glorot_dense_weights, keras_dense_stack,
                        limit_threads)
    # after common: it puts this checkout on sys.path, and ``root`` must come first
    sys.path.insert(0, os.path.abspath(args.root))
    import minikeras as keras
    from minikeras.autodiff import grad
    limit_threads(1)
    if args.phases:
        samples, features, hidden, classes, dropout, batch = WORKLOADS["tiny"]
        x, y = classification_data(samples, features, classes)
        weights = glorot_dense_weights((features,) + hidden + (classes,))
        model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
        phases = best_phase_us(model, x, y, batch, args.epochs, grad)
        print(os.path.dirname(os.path.abspath(keras.__file__)), phases,
              "sum", round(sum(phases.values()), 1))
        return 0
    result = {}
    for name, (samples, features, hidden, classes, dropout, batch) in WORKLOADS.items():
        x, y = classification_data(samples, features, classes)
        weights = glorot_dense_weights((features,) + hidden + (classes,))
        model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
        result[name + "_fit_step_us"] = round(best_step_us(model, x, y, batch, args.epochs))
        if name == "mlp":
            result["mlp_predict_1024_us"] = round(best_predict_us(model, x[:1024], args.epochs))
    print(os.path.dirname(os.path.abspath(keras.__file__)), result)


if __name__ == "__main__":
    sys.exit(main())
