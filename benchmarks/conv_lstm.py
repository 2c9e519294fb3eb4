"""Workload: a ConvLSTM2D video classifier against the same network written in PyTorch.

Inputs (batch, 10 frames, 16x16, 1 channel) -> ConvLSTM2D(16, 3x3, "same", last output)
-> GlobalAveragePooling2D -> Dense(10, softmax); Adam(1e-3), categorical crossentropy,
batch 32. PyTorch has no ConvLSTM layer, so its side is the usual hand-written one (one
Conv2d on the input frame plus one on the hidden state per step, gates i, f, g, o) with the
minikeras model's initial weights. Both run side by side in one process with the same data
and 2 threads each:

* fit throughput (samples/s), one epoch per timed call;
* predict throughput (samples/s) at batch 128.

Run alone:  python benchmarks/conv_lstm.py [--repeats 3] [--samples 512]
"""
import argparse
import json

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import classification_data, side_by_side

FRAMES, SIZE, CHANNELS, FILTERS, CLASSES = 10, 16, 1, 16, 10
BATCH, PREDICT_BATCH = 32, 128


def video_data(samples):
    x, y = classification_data(samples, FRAMES * SIZE * SIZE * CHANNELS, CLASSES)
    return x.reshape(samples, FRAMES, SIZE, SIZE, CHANNELS), y


def keras_model():
    import minikeras as keras
    model = keras.Sequential([keras.Input((FRAMES, SIZE, SIZE, CHANNELS)),
                              keras.layers.ConvLSTM2D(FILTERS, 3, padding="same"),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def torch_model(torch, kmodel):
    """The same network in PyTorch (channels_first inside), with kmodel's initial weights."""
    nn = torch.nn

    class ConvLSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_conv = nn.Conv2d(CHANNELS, 4 * FILTERS, 3, padding=1)
            self.recurrent_conv = nn.Conv2d(FILTERS, 4 * FILTERS, 3, padding=1, bias=False)
            self.head = nn.Linear(FILTERS, CLASSES)

        def forward(self, x):                       # (batch, frames, rows, cols, channels)
            b, t = x.shape[:2]
            frames = x.reshape(b * t, SIZE, SIZE, CHANNELS).permute(0, 3, 1, 2)
            a_x = self.input_conv(frames).reshape(b, t, 4 * FILTERS, SIZE, SIZE)
            h = c = x.new_zeros(b, FILTERS, SIZE, SIZE)
            for step in range(t):
                a = a_x[:, step] + self.recurrent_conv(h)
                i, f, g, o = a.chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            return self.head(h.mean(dim=(2, 3)))

    model = ConvLSTMClassifier()
    kernel, recurrent, bias, dense_kernel, dense_bias = kmodel.get_weights()
    with torch.no_grad():
        for conv, value in ((model.input_conv, kernel), (model.recurrent_conv, recurrent)):
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(value.transpose(3, 2, 0, 1))))
        model.input_conv.bias.copy_(torch.from_numpy(bias))
        model.head.weight.copy_(torch.from_numpy(dense_kernel.T.copy()))
        model.head.bias.copy_(torch.from_numpy(dense_bias))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def run(repeats=3, warmup=1, samples=512):
    x, y = video_data(samples)
    return {"samples": samples,
            **side_by_side(keras_model(), torch_model, x, y, BATCH, PREDICT_BATCH, repeats,
                           warmup, check_rows=32)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=512)
    args = parser.parse_args()
    print(json.dumps(run(args.repeats, samples=args.samples), indent=1))


if __name__ == "__main__":
    main()
