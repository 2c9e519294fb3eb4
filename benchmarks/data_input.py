"""fit from a PyDataset (and a Dataset) of in-memory arrays vs the same arrays passed directly.

Issue 9's overhead target: a PyDataset that slices in-memory arrays trains at >= 0.9x the
speed of fit(x, y) on those arrays. Both runs use the same model, weights, batches and
order (shuffle=False), interleaved (A B A B ...), median of --repeats epochs.

    python benchmarks/data_input.py [--repeats 5] [--samples 20000] [--batch 64]
"""
import common  # noqa: F401  (sets BLAS threads before numpy loads)

import argparse  # noqa: E402
import json  # noqa: E402

import minikeras as keras  # noqa: E402
from minikeras.utils.dataset import Dataset  # noqa: E402


class ArraySlices(keras.utils.PyDataset):
    """Batch i of in-memory arrays, as a PyDataset."""

    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    common.limit_threads()
    x, y = common.classification_data(args.samples, args.features, 10)
    weights = common.glorot_dense_weights([args.features, 128, 64, 10])
    model = common.keras_dense_stack(keras, args.features, [128, 64], 10, weights=weights)
    sources = {
        "arrays": lambda: model.fit(x, y, batch_size=args.batch, shuffle=False, verbose=0),
        "pydataset": lambda: model.fit(ArraySlices(x, y, args.batch), verbose=0),
        "pydataset_2_workers": lambda: model.fit(ArraySlices(x, y, args.batch, workers=2),
                                                 verbose=0),
        "dataset": lambda: model.fit(Dataset.from_tensor_slices((x, y)).batch(args.batch),
                                     verbose=0),
    }
    times = common.interleaved_median(sources, repeats=args.repeats)
    base = times["arrays"][0]
    report = {label: {"epoch_s": round(t, 4), "speed_vs_arrays": round(base / t, 3)}
              for label, (t, _) in times.items()}
    print(json.dumps({"samples": args.samples, "features": args.features,
                      "batch_size": args.batch, "results": report}, indent=2))


if __name__ == "__main__":
    main()
