"""Connectionist Temporal Classification (Graves et al., 2006) in ``keras.ops.nn``:
``ctc_loss`` (the forward recursion, composed from ops so its gradient is derived) and
``ctc_decode`` (greedy, or a prefix beam search; no gradient). ``keras.losses.CTC`` is
``ctc_loss`` with full-length outputs.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import as_float, data
from .indexing import take_along_axis
from .neural_network import log_softmax
from .reductions import logsumexp

__all__ = ["ctc_decode", "ctc_loss"]

_MASKED = -1e30  # log(0) stand-in: finite, so the gradient never sees inf - inf


def _lengths(values, batch, limit, name, lowest=0):
    lengths = np.broadcast_to(np.asarray(data(values)).astype(np.int64), (batch,))
    if lengths.size and (lengths.min() < lowest or lengths.max() > limit):
        raise ValueError(f"ctc: {name} must lie in [{lowest}, {limit}]. Received: "
                         f"{name}={lengths.tolist()}")
    return lengths


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sample: -log P(target | per-frame logits), summed over all alignments.

    Formula: with ``l'`` the target with blanks (``mask_index``) between and around its
    first ``target_length`` labels and ``e[t, s] = log_softmax(output)[t, l'_s]``:
    ``alpha_0 = e[0, :2]``; ``alpha_t[s] = logsumexp(alpha_{t-1}[s], alpha_{t-1}[s-1],
    alpha_{t-1}[s-2] if l'_s is not blank and differs from l'_{s-2}) + e[t, s]`` for
    ``t < output_length``; ``loss = -logsumexp(alpha_T[|l'|-1], alpha_T[|l'|-2])``. An
    impossible alignment (too few frames) gives inf.

    Args:
        target: ``(batch, max_label_length)`` integer labels.
        output: ``(batch, frames, num_classes)`` logits (not softmax-ed).
        target_length, output_length: ``(batch,)`` numbers of labels and of frames.
        mask_index: the blank class.
    """
    output = as_float(output)
    labels = np.asarray(data(target))
    if output.ndim != 3 or labels.ndim != 2 or labels.shape[0] != output.shape[0]:
        raise ValueError("ctc_loss expects target of shape (batch, max_label_length) and "
                         "output of shape (batch, frames, num_classes). Received: "
                         f"target.shape={labels.shape}, output.shape={output.shape}")
    batch, frames, num_classes = output.shape
    ints = np.round(labels).astype(np.int64)
    if labels.size and (not np.all(ints == labels) or ints.min() < 0
                        or ints.max() >= num_classes):
        raise ValueError(f"ctc: labels must be integers in [0, {num_classes}). Received "
                         f"values from {labels.min()} to {labels.max()}.")
    lengths = _lengths(target_length, batch, labels.shape[1], "target_length")
    frames_used = _lengths(output_length, batch, frames, "output_length", lowest=min(1, frames))
    if batch == 0 or frames == 0:
        return P.sum(output, axis=(1, 2))
    n_states = 2 * labels.shape[1] + 1
    extended = np.full((batch, n_states), mask_index, np.int64)  # blank, l1, blank, l2, ...
    extended[:, 1::2] = ints
    dtype = output.dtype

    log_probs = log_softmax(output, axis=-1)                            # (B, T, K)
    index = np.broadcast_to(extended[:, None, :], (batch, frames, n_states))
    emit = take_along_axis(log_probs, index, axis=2)                    # (B, T, S)

    # A path may skip the blank before a label that differs from the previous label; a
    # label equal to the blank inside the first target_length entries is still a label.
    can_skip = np.zeros((batch, n_states), bool)
    can_skip[:, 3::2] = extended[:, 3::2] != extended[:, 1:-2:2]
    skip_penalty = Tensor(np.where(can_skip, 0.0, _MASKED).astype(dtype))
    start = np.full((batch, n_states), _MASKED, dtype)
    start[:, :2] = 0.0
    pad1 = Tensor(np.full((batch, 1), _MASKED, dtype))
    pad2 = Tensor(np.full((batch, min(2, n_states)), _MASKED, dtype))

    alpha = P.add(emit[:, 0, :], Tensor(start))                         # (B, S)
    for t in range(1, frames):
        step = P.concatenate([pad1, alpha[:, :-1]], axis=1)
        skip = P.add(P.concatenate([pad2, alpha[:, :-2]], axis=1)[:, :n_states], skip_penalty)
        paths = P.stack([alpha, step, skip], axis=-1)                   # (B, S, 3)
        advanced = P.add(logsumexp(paths, axis=-1), emit[:, t, :])
        running = (t < frames_used)[:, None]                            # shorter outputs stop
        alpha = advanced if running.all() else P.where(running, advanced, alpha)

    ends = np.stack([2 * lengths, np.maximum(2 * lengths - 1, 0)], axis=1)  # (B, 2)
    end_penalty = Tensor(np.where(np.stack([lengths >= 0, lengths > 0], axis=1), 0.0,
                                  _MASKED).astype(dtype))
    final = P.add(take_along_axis(alpha, ends, axis=1), end_penalty)
    loss = P.negative(logsumexp(final, axis=1))                         # (B,)
    impossible = loss.data > -0.5 * _MASKED
    return P.where(impossible, np.inf, loss) if impossible.any() else loss


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode per-frame class scores into label sequences (blank = ``mask_index``).

    "greedy": the best class per frame, repeats merged (``merge_repeated``), blanks dropped;
    scores are minus the sum over the used frames of each frame's largest input.
    "beam_search": a prefix beam search of ``beam_width`` prefixes over
    ``log_softmax(inputs)`` (each prefix's probability summed over its alignments), the
    ``top_paths`` best kept; scores are their log-probabilities.

    Returns:
        ``(decoded, scores)``: decoded int32 ``(top_paths, batch, frames)`` (one path for
        greedy), labels first and padded with -1; scores ``(batch, top_paths)``.
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                         "'beam_search'.")
    x = as_float(inputs).data
    if x.ndim != 3:
        raise ValueError(f"ctc_decode expects inputs of shape (batch, frames, num_classes). "
                         f"Received: inputs.shape={x.shape}")
    batch, frames, _ = x.shape
    lengths = _lengths(sequence_lengths, batch, frames, "sequence_lengths")
    if strategy == "beam_search":
        return _beam_search(x, lengths, int(beam_width), int(top_paths), mask_index)
    used = np.arange(frames)[None, :] < lengths[:, None]
    best = np.where(used, np.argmax(x, axis=-1), mask_index)
    scores = np.where(used, np.max(x, axis=-1), 0.0)
    if merge_repeated:
        repeated = np.zeros_like(used)
        repeated[:, 1:] = best[:, 1:] == best[:, :-1]
        best = np.where(repeated, mask_index, best)
    decoded = _labels_first([[int(c) for c in row if c != mask_index] for row in best], frames)
    return (Tensor(decoded[None]),
            Tensor((-scores.sum(axis=1, keepdims=True)).astype(x.dtype)))


def _labels_first(sequences, frames):
    """Label sequences as one int32 array (len(sequences), frames), padded with -1."""
    out = np.full((len(sequences), frames), -1, np.int32)
    for i, labels in enumerate(sequences):
        out[i, :len(labels)] = labels
    return out


def _beam_search(x, lengths, beam_width, top_paths, blank):
    """Prefix beam search per sample: each prefix keeps the log-probability of its
    alignments ending in a blank and ending in its last label."""
    shifted = x - x.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))   # log_softmax
    batch, frames, classes = x.shape
    paths = np.full((top_paths, batch, frames), -1, np.int32)
    scores = np.full((batch, top_paths), -np.inf)
    for b in range(batch):
        steps = log_probs[b, :max(int(lengths[b]), 1)]
        beams = {}                      # prefix -> [log p(ends in blank), log p(ends in label)]
        for c in np.argsort(steps[0], kind="stable")[::-1][:min(classes, beam_width)]:
            ends = [steps[0, c], -np.inf] if c == blank else [-np.inf, steps[0, c]]
            beams[() if c == blank else (int(c),)] = ends
        for step in steps[1:]:
            extended = {}
            for prefix, (p_blank, p_label) in beams.items():
                for c, p in enumerate(step):
                    if c == blank:
                        _add(extended, prefix, 0, np.logaddexp(p_blank, p_label) + p)
                    elif prefix and prefix[-1] == c:  # a repeat merges unless a blank parted
                        _add(extended, prefix, 1, p_label + p)
                        _add(extended, prefix + (c,), 1, p_blank + p)
                    else:
                        _add(extended, prefix + (c,), 1, np.logaddexp(p_blank, p_label) + p)
            ranked = sorted(extended.items(), key=lambda item: -np.logaddexp(*item[1]))
            beams = dict(ranked[:beam_width])
        best = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))[:top_paths]
        paths[:len(best), b] = _labels_first([prefix for prefix, _ in best], frames)
        scores[b, :len(best)] = [np.logaddexp(*ends) for _, ends in best]
    return Tensor(paths), Tensor(scores.astype(x.dtype))


def _add(beams, prefix, end, log_p):
    ends = beams.setdefault(prefix, [-np.inf, -np.inf])
    ends[end] = np.logaddexp(ends[end], log_p)
