"""TextVectorization.adapt on 25,000 short documents (and vectorizing them), in seconds.

The documents are synthetic and repeatable: 5-40 words each, drawn from a 20,000-word
Zipf-like vocabulary, with capitals and punctuation so that the default standardization
has work to do. "floor" is the least any implementation in Python can do for the same
vocabulary: lower-case, strip punctuation, split and count with ``collections.Counter``.

Run alone:  python benchmarks/text_vectorization.py [--docs 25000] [--repeats 3]
"""
import common  # noqa: F401  (thread limits, repo on sys.path; import first)

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import string  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from minikeras import layers  # noqa: E402


def make_documents(count, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(20000)])
    weights = 1.0 / np.arange(1, 20001)
    weights /= weights.sum()
    docs = []
    for length in rng.integers(5, 41, count):
        picked = words[rng.choice(20000, length, p=weights)]
        docs.append(" ".join(picked).capitalize() + rng.choice([".", "!", "?", ", ok."]))
    return np.array(docs)


def floor_adapt(docs):
    table = str.maketrans(string.ascii_uppercase, string.ascii_lowercase, string.punctuation)
    counts = collections.Counter()
    for doc in docs.tolist():
        counts.update(doc.translate(table).split())
    return sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=25000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    docs = make_documents(args.docs)
    tokens = sum(len(d.split()) for d in docs.tolist())
    layer = layers.TextVectorization(max_tokens=10000, output_sequence_length=64)
    adapt = median_time(lambda: layer.adapt(docs), args.repeats)
    call = median_time(lambda: layer(docs), args.repeats)
    tf_idf = layers.TextVectorization(max_tokens=10000, output_mode="tf_idf", ngrams=2)
    adapt_tf_idf = median_time(lambda: tf_idf.adapt(docs), args.repeats)
    floor = median_time(lambda: floor_adapt(docs), args.repeats)
    print(json.dumps({"documents": len(docs), "tokens": tokens,
                      "adapt_s": round(adapt, 3), "call_int_seq64_s": round(call, 3),
                      "adapt_tf_idf_bigrams_s": round(adapt_tf_idf, 3),
                      "python_floor_s": round(floor, 3),
                      "adapt_over_floor": round(adapt / floor, 2)}, indent=1))


if __name__ == "__main__":
    main()
