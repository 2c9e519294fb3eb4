"""Regenerate ``minikeras/datasets/data/digits.npz`` from scikit-learn's copy.

This is a one-time developer tool: it imports scikit-learn, which is not a
minikeras dependency. Run it from the repository root:

    python tools/make_digits_npz.py

The file stores the 1797 UCI optical-recognition digits in their original
order, as ``images`` (uint8, shape (1797, 8, 8), values 0..16) and
``labels`` (uint8, shape (1797,), values 0..9).
"""

import os

import numpy as np
from sklearn.datasets import load_digits

OUTPUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "minikeras", "datasets", "data", "digits.npz",
)


def convert():
    """Load the digits from scikit-learn and return them as uint8 arrays.

    Returns:
        Tuple ``(images, labels)``: uint8 arrays of shapes (1797, 8, 8)
        and (1797,).
    """
    bunch = load_digits()
    images = bunch.images
    # The pixel counts are whole numbers 0..16 stored as float64; check
    # before narrowing so a changed upstream file cannot be silently cut.
    whole = np.array_equal(images, np.round(images))
    if not whole or images.min() < 0 or images.max() > 16:
        raise ValueError(
            f"Expected whole pixel values in 0..16 from load_digits(), got values "
            f"in [{images.min()}, {images.max()}] (whole numbers: {whole})."
        )
    return images.astype(np.uint8), bunch.target.astype(np.uint8)


def main():
    """Write the compressed .npz file next to the digits loader."""
    images, labels = convert()
    path = os.path.normpath(OUTPUT)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez_compressed(path, images=images, labels=labels)
    print(f"wrote {path}: images {images.shape}, labels {labels.shape}, uint8")


if __name__ == "__main__":
    main()
