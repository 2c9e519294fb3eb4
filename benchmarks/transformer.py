"""Workload: the Keras text-classification transformer against the same network in PyTorch.

The model of keras-io's "Text classification with Transformer": token ids (batch, 200) ->
Embedding(20000, 32) -> one encoder block (MultiHeadAttention(num_heads=2, key_dim=32),
residual + LayerNormalization(epsilon=1e-6), a Dense(32, relu) -> Dense(32) feed-forward,
residual + LayerNormalization) -> GlobalAveragePooling1D -> Dense(20, relu) -> Dense(2,
softmax); Adam(1e-3), categorical crossentropy, batch 32. (The example's position embedding
and dropout layers are left out: both frameworks then compute the same function.)

PyTorch runs the same network written as a PyTorch user would, with
``scaled_dot_product_attention``, in eager mode, from minikeras's initial weights (the first
predictions are compared). Both run side by side in one process with 2 threads:

* fit throughput (samples/s), one epoch per timed call;
* predict throughput (samples/s) at batch 256.

Run alone:  python benchmarks/transformer.py [--repeats 3] [--samples 1024]
"""
import argparse
import json
import sys

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import THREADS, side_by_side

SEQUENCE, VOCABULARY, EMBED, HEADS, FEED_FORWARD, CLASSES = 200, 20000, 32, 2, 32, 2
BATCH, PREDICT_BATCH = 32, 256


def token_data(samples, seed=0):
    """Random token ids and one-hot labels (the label is whether token 7 occurs more often
    than token 11: learnable, not trivial)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 100, (samples, SEQUENCE))
    labels = ((x == 7).sum(axis=1) > (x == 11).sum(axis=1)).astype(int)
    return x, np.eye(CLASSES, dtype="float32")[labels]


def keras_model():
    import minikeras as keras
    L = keras.layers
    keras.utils.set_random_seed(0)
    tokens = keras.Input((SEQUENCE,))
    h = L.Embedding(VOCABULARY, EMBED, name="embedding")(tokens)
    attended = L.MultiHeadAttention(HEADS, EMBED, name="attention")(h, h)
    h = L.LayerNormalization(epsilon=1e-6, name="norm_1")(L.Add()([h, attended]))
    ffn = L.Dense(EMBED, name="ffn_2")(L.Dense(FEED_FORWARD, activation="relu", name="ffn_1")(h))
    h = L.LayerNormalization(epsilon=1e-6, name="norm_2")(L.Add()([h, ffn]))
    h = L.Dense(20, activation="relu", name="hidden")(L.GlobalAveragePooling1D()(h))
    model = keras.Model(tokens, L.Dense(CLASSES, activation="softmax", name="out")(h))
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy", metrics=["accuracy"])
    return model


def torch_model(torch, kmodel):
    """The same network in PyTorch (logits out), with kmodel's weights."""
    nn, F = torch.nn, torch.nn.functional
    inner = HEADS * EMBED

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCABULARY, EMBED)
            self.query, self.key, self.value = (nn.Linear(EMBED, inner) for _ in range(3))
            self.attention_output = nn.Linear(inner, EMBED)
            self.norm_1, self.norm_2 = nn.LayerNorm(EMBED, eps=1e-6), nn.LayerNorm(EMBED, eps=1e-6)
            self.ffn_1, self.ffn_2 = nn.Linear(EMBED, FEED_FORWARD), nn.Linear(FEED_FORWARD, EMBED)
            self.hidden, self.out = nn.Linear(EMBED, 20), nn.Linear(20, CLASSES)

        def forward(self, tokens):
            h = self.embedding(tokens)
            batch = h.shape[0]

            def heads(projection):
                return projection(h).view(batch, SEQUENCE, HEADS, EMBED).transpose(1, 2)

            attended = F.scaled_dot_product_attention(heads(self.query), heads(self.key),
                                                      heads(self.value))
            attended = self.attention_output(attended.transpose(1, 2).reshape(batch, SEQUENCE,
                                                                               inner))
            h = self.norm_1(h + attended)
            h = self.norm_2(h + self.ffn_2(F.relu(self.ffn_1(h))))
            return self.out(F.relu(self.hidden(h.mean(dim=1))))

    model = Encoder()
    weights = {layer.name: [w.numpy() for w in layer.weights] for layer in kmodel.layers}
    mha = weights["attention"]  # query, key, value kernels and biases, then the output's

    def set_(param, value):
        param.data = torch.from_numpy(np.ascontiguousarray(value, dtype="float32"))

    set_(model.embedding.weight, weights["embedding"][0])
    for i, linear in enumerate((model.query, model.key, model.value)):
        set_(linear.weight, mha[2 * i].reshape(EMBED, inner).T)
        set_(linear.bias, mha[2 * i + 1].reshape(inner))
    set_(model.attention_output.weight, mha[6].reshape(inner, EMBED).T)
    set_(model.attention_output.bias, mha[7])
    for name in ("norm_1", "norm_2"):
        set_(getattr(model, name).weight, weights[name][0])
        set_(getattr(model, name).bias, weights[name][1])
    for name in ("ffn_1", "ffn_2", "hidden", "out"):
        set_(getattr(model, name).weight, weights[name][0].T)
        set_(getattr(model, name).bias, weights[name][1])
    return model, torch.optim.Adam(model.parameters(), 1e-3)


def run(repeats=3, warmup=1, samples=1024):
    x, y = token_data(samples)
    return {"samples": samples, "threads": THREADS,
            **side_by_side(keras_model(), torch_model, x, y, BATCH, PREDICT_BATCH, repeats,
                           warmup)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--root", help="checkout whose minikeras to import")
    args = parser.parse_args()
    if args.root:
        sys.path.insert(0, args.root)
    print(json.dumps(run(args.repeats, samples=args.samples), indent=1))


if __name__ == "__main__":
    main()
