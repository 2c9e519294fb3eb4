"""Rearranging images between space and channels or blocks (``keras.ops.nn``):
depth_to_space and space_to_depth (pixel shuffle), unfold (im2col) and fold (its adjoint).

All composed from reshape, transpose, take, concatenate and sum, so gradients are derived.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .convolution import standardize_data_format
from .core import convert_to_tensor

__all__ = ["depth_to_space", "fold", "space_to_depth", "unfold"]


def _images(x, block_size, name):
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{name} expects a 4-D input (batch, height, width, channels or "
                         f"channels first). Received: x.shape={x.shape}")
    if not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")
    return x


def depth_to_space(x, block_size, data_format="channels_last"):
    """``(N, H, W, C r^2) -> (N, H r, W r, C)`` with r = ``block_size``.

    Channels last, the channel index is ``(i r + j) C + c`` for block offset (i, j) (depth,
    then channel); channels first it is ``c r^2 + i r + j`` (channel, then depth: PyTorch's
    pixel shuffle), as Keras's backends order them.
    """
    x, r = _images(x, block_size, "depth_to_space"), int(block_size)
    fmt = standardize_data_format(data_format)
    if fmt == "channels_last":
        n, h, w, c = x.shape
        _divisible(c, r, "depth_to_space")
        x = P.reshape(x, (n, h, w, r, r, c // (r * r)))
        return P.reshape(P.transpose(x, (0, 1, 3, 2, 4, 5)), (n, h * r, w * r, c // (r * r)))
    n, c, h, w = x.shape
    _divisible(c, r, "depth_to_space")
    x = P.reshape(x, (n, c // (r * r), r, r, h, w))
    return P.reshape(P.transpose(x, (0, 1, 4, 2, 5, 3)), (n, c // (r * r), h * r, w * r))


def space_to_depth(x, block_size, data_format="channels_last"):
    """``(N, H r, W r, C) -> (N, H, W, C r^2)``: the inverse of ``depth_to_space``."""
    x, r = _images(x, block_size, "space_to_depth"), int(block_size)
    fmt = standardize_data_format(data_format)
    spatial = x.shape[1:3] if fmt == "channels_last" else x.shape[2:4]
    if spatial[0] % r or spatial[1] % r:
        raise ValueError(f"space_to_depth: height and width must be divisible by "
                         f"block_size={r}. Received: x.shape={x.shape}")
    if fmt == "channels_last":
        n, h, w, c = x.shape
        x = P.reshape(x, (n, h // r, r, w // r, r, c))
        return P.reshape(P.transpose(x, (0, 1, 3, 2, 4, 5)), (n, h // r, w // r, c * r * r))
    n, c, h, w = x.shape
    x = P.reshape(x, (n, c, h // r, r, w // r, r))
    return P.reshape(P.transpose(x, (0, 1, 3, 5, 2, 4)), (n, c * r * r, h // r, w // r))


def _divisible(channels, r, name):
    if channels % (r * r):
        raise ValueError(f"{name}: the number of channels ({channels}) must be divisible by "
                         f"block_size**2 = {r * r}.")


def _pair(value, name):
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"`{name}` must be an int or a pair of ints. Received: {name}={value}")
    return tuple(int(v) for v in pair)


def _block_positions(padded_hw, kernel_size, dilation, stride):
    """Flat positions in the padded image of every (kernel offset, block): shape
    ``(kH kW, L)``, and the block grid ``(nH, nW)``."""
    (hp, wp), (kh, kw), (dh, dw), (sh, sw) = padded_hw, kernel_size, dilation, stride
    nh, nw = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    if nh < 1 or nw < 1:
        raise ValueError(f"The kernel (size {kernel_size}, dilation {dilation}) does not fit "
                         f"in the padded image of size {padded_hw}.")
    rows = np.arange(kh)[:, None] * dh + np.arange(nh)[None, :] * sh      # (kH, nH)
    cols = np.arange(kw)[:, None] * dw + np.arange(nw)[None, :] * sw      # (kW, nW)
    flat = rows[:, None, :, None] * wp + cols[None, :, None, :]           # (kH, kW, nH, nW)
    return flat.reshape(kh * kw, nh * nw), (nh, nw)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a channels-first image batch: ``(N, C, H, W) -> (N, C kH kW, L)``,
    L the number of blocks (row-major), channel-major then kernel offset (PyTorch's Unfold).
    """
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"unfold expects a 4-D input (N, C, H, W). Received: x.shape={x.shape}")
    k, d = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    p, s = _pair(padding, "padding"), _pair(stride, "stride")
    n, c, h, w = x.shape
    if p != (0, 0):
        x = P.concatenate([_zeros(x, (n, c, h, p[1])), x, _zeros(x, (n, c, h, p[1]))], 3)
        x = P.concatenate([_zeros(x, (n, c, p[0], x.shape[3])), x,
                           _zeros(x, (n, c, p[0], x.shape[3]))], 2)
    positions, _ = _block_positions(x.shape[2:], k, d, s)
    blocks = P.take(P.reshape(x, (n, c, -1)), positions, axis=2)         # (N, C, kHkW, L)
    return P.reshape(blocks, (n, c * positions.shape[0], positions.shape[1]))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of ``unfold``: sum each block of ``(N, C kH kW, L)`` back into its place in
    a ``(N, C, *output_size)`` image (overlaps add up)."""
    x = convert_to_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"fold expects a 3-D input (N, C*kH*kW, L). Received: "
                         f"x.shape={x.shape}")
    out_hw, k = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    d, p, s = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    n, ckk, blocks = x.shape
    if ckk % (k[0] * k[1]):
        raise ValueError(f"fold: x.shape[1] = {ckk} must be divisible by kH*kW = "
                         f"{k[0] * k[1]}.")
    padded = (out_hw[0] + 2 * p[0], out_hw[1] + 2 * p[1])
    positions, _ = _block_positions(padded, k, d, s)
    if positions.shape[1] != blocks:
        raise ValueError(f"fold: expected {positions.shape[1]} blocks for output_size="
                         f"{out_hw}, kernel_size={k}, dilation={d}, padding={p}, stride={s}. "
                         f"Received: x.shape[2]={blocks}")
    c = ckk // positions.shape[0]
    values = P.reshape(x, (n, c, -1))                                     # (N, C, kHkW L)
    # each padded-image pixel sums the block entries that unfold read from it
    target = positions.reshape(-1)
    order = np.argsort(target, kind="stable")
    counts = np.bincount(target, minlength=padded[0] * padded[1])
    depth = int(counts.max())
    slot = np.arange(target.size) - np.repeat(np.cumsum(counts) - counts, counts)
    gather = np.full((padded[0] * padded[1], depth), target.size)         # the index of a 0
    gather[target[order], slot] = order
    values = P.concatenate([values, _zeros(values, (n, c, 1))], 2)
    image = P.sum(P.take(values, gather, axis=2), axis=3)                 # (N, C, HpWp)
    image = P.reshape(image, (n, c) + padded)
    return P.getitem(image, (Ellipsis, slice(p[0], p[0] + out_hw[0]),
                             slice(p[1], p[1] + out_hw[1])))


def _zeros(like, shape):
    return Tensor(np.zeros(shape, like.dtype))
