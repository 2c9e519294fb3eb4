"""Keras 2's backend functions of networks (``K.binary_crossentropy``, ``K.conv2d``,
``K.ctc_batch_cost``, ``K.rnn``, ``K.gradients``, ...), over minikeras's ops with tf.keras 2's
arguments and rules; minikeras.legacy.backend_functions serves them with the others.

* the crossentropies take ``(target, output)``: probabilities are clipped to
  ``[epsilon, 1 - epsilon]`` (categorical ones first divided by their sum) unless
  ``from_logits=True``, and return one value per sample (binary: per element);
* convolution and pooling take tf.keras 2's kernel layouts and ``data_format`` (None:
  ``image_data_format()``);
* ``rnn``, ``map_fn``, ``foldl`` and ``foldr`` loop in Python over the leading (time) axis.
"""
from .. import backend as _config
from .. import ops
from ..autodiff import Tensor, grad as _grad


def _tensor(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


def is_channels_first(data_format):
    """Whether ``data_format`` (None: ``image_data_format()``) is "channels_first"."""
    data_format = data_format or _config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}. Expected 'channels_first' "
                         "or 'channels_last'.")
    return data_format == "channels_first"


# ---- losses --------------------------------------------------------------------------------
def _clipped(output):
    eps = _config.epsilon()
    return ops.clip(output, eps, 1.0 - eps)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise ``-(t * log(p + eps) + (1 - t) * log(1 - p + eps))``, ``p`` clipped to
    ``[eps, 1 - eps]``; with logits, the stable sigmoid crossentropy."""
    target, output = _tensor(target), _tensor(output)
    if from_logits:
        return ops.binary_crossentropy(target, output, from_logits=True)
    output, eps = _clipped(output), _config.epsilon()
    return -(target * ops.log(output + eps) + (1.0 - target) * ops.log(1.0 - output + eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(p), axis)``, ``p`` the output divided by its sum and clipped."""
    target, output = _tensor(target), _tensor(output)
    if from_logits:
        return -ops.sum(target * ops.log_softmax(output, axis=axis), axis=axis)
    output = _clipped(output / ops.sum(output, axis=axis, keepdims=True))
    return -ops.sum(target * ops.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                    ignore_class=None):
    """``-log(p[target])`` per sample, ``p`` normalised over ``axis`` (probabilities clipped
    to ``[eps, 1 - eps]`` first); 0 where ``target == ignore_class``."""
    output = _tensor(output)
    logits = output if from_logits else ops.log(_clipped(output))
    logits = ops.moveaxis(logits, axis, -1)
    target = ops.cast(_tensor(target), "int32")
    if len(target.shape) == len(logits.shape):
        target = ops.squeeze(target, axis=-1)
    keep = None if ignore_class is None else ops.not_equal(target, ignore_class)
    safe_target = target if keep is None else ops.where(keep, target, 0)
    picked = ops.take_along_axis(ops.log_softmax(logits, axis=-1),
                                 ops.expand_dims(safe_target, -1), axis=-1)
    loss = -ops.squeeze(picked, axis=-1)
    return loss if keep is None else ops.where(keep, loss, 0.0)


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False):
    """``(1 - p_t) ** gamma * binary_crossentropy``, times ``alpha`` (positives) or
    ``1 - alpha`` (negatives) with class balancing."""
    target, output = _tensor(target), _tensor(output)
    probability = ops.sigmoid(output) if from_logits else output
    p_t = target * probability + (1.0 - target) * (1.0 - probability)
    loss = ops.power(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        loss = loss * (target * alpha + (1.0 - target) * (1.0 - alpha))
    return loss


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False,
                                   axis=-1):
    """``sum(alpha * (1 - p) ** gamma * -target * log(p), axis)``, ``p`` normalised and
    clipped as in categorical_crossentropy."""
    target, output = _tensor(target), _tensor(output)
    if from_logits:
        output = ops.softmax(output, axis=axis)
    output = _clipped(output / ops.sum(output, axis=axis, keepdims=True))
    per_class = alpha * ops.power(1.0 - output, gamma) * -target * ops.log(output)
    return ops.sum(per_class, axis=axis)


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per sample, ``(batch, 1)``: ``y_pred`` softmax outputs ``(batch, steps,
    classes)`` whose last class is the blank; lengths are ``(batch, 1)``."""
    y_pred = _tensor(y_pred)
    label_length = ops.cast(ops.squeeze(label_length, axis=1), "int32")
    input_length = ops.cast(ops.squeeze(input_length, axis=1), "int32")
    log_probabilities = ops.log(y_pred + _config.epsilon())
    loss = ops.ctc_loss(ops.cast(y_true, "int32"), log_probabilities, label_length,
                        input_length, mask_index=y_pred.shape[-1] - 1)
    return ops.expand_dims(loss, 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode softmax outputs (last class the blank): a list of ``top_paths`` int64
    ``(batch, steps)`` label arrays padded with -1, and their ``(batch, top_paths)``
    log-probabilities."""
    y_pred = _tensor(y_pred)
    decoded, scores = ops.ctc_decode(
        ops.log(y_pred + _config.epsilon()), ops.cast(input_length, "int32"),
        strategy="greedy" if greedy else "beam_search", beam_width=beam_width,
        top_paths=top_paths, mask_index=y_pred.shape[-1] - 1)
    paths = [ops.cast(decoded[i], "int64") for i in range(decoded.shape[0])]
    return paths, scores


def ctc_label_dense_to_sparse(labels, label_lengths):
    raise NotImplementedError(
        "`ctc_label_dense_to_sparse` returns a tf.SparseTensor, and minikeras has no sparse "
        "tensors: pass the dense labels and their lengths to `ctc_batch_cost` (or "
        "`keras.ops.ctc_loss`), which take them as they are.")


# ---- neural network ------------------------------------------------------------------------
def bias_add(x, bias, data_format=None):
    """``x + bias`` along the channel axis (last, or 1 with channels_first)."""
    x, bias = _tensor(x), _tensor(bias)
    if len(bias.shape) not in (1, len(x.shape) - 1):
        raise ValueError("Unexpected bias dimensions: expected a bias of rank 1 or "
                         f"{len(x.shape) - 1}. Received: bias.shape={tuple(bias.shape)}")
    if is_channels_first(data_format) and len(x.shape) > 2:
        if len(bias.shape) == 1:
            return x + ops.reshape(bias, (bias.shape[0],) + (1,) * (len(x.shape) - 2))
        return x + ops.moveaxis(bias, -1, 0)
    return x + bias


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):  # noqa: F811
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` (``beta`` / ``gamma`` may be
    None); the statistics broadcast against ``x`` as given."""
    del axis  # tf.keras 2 broadcasts the statistics as they are
    out = (_tensor(x) - mean) * ops.rsqrt(_tensor(var) + epsilon)
    out = out if gamma is None else out * gamma
    return out if beta is None else out + beta


def _conv(x, kernel, strides, padding, data_format, dilation_rate):
    return ops.conv(x, kernel, strides=strides, padding=padding, data_format=_format(
        data_format), dilation_rate=dilation_rate)


def _format(data_format):
    return "channels_first" if is_channels_first(data_format) else "channels_last"


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution; ``padding="causal"`` pads the start of the sequence."""
    if padding == "causal":
        left = dilation_rate * (_tensor(kernel).shape[0] - 1)
        pads = [(0, 0), (0, 0), (left, 0)] if is_channels_first(data_format) else [
            (0, 0), (left, 0), (0, 0)]
        x, padding = ops.pad(x, pads), "valid"
    return _conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    return _conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    return _conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Transposed 2D convolution (kernel ``(rows, cols, out_channels, in_channels)``) whose
    result must have ``output_shape``."""
    out = ops.conv_transpose(x, kernel, strides=strides, padding=padding,
                             data_format=_format(data_format), dilation_rate=dilation_rate)
    expected = tuple(int(d) for d in (output_shape.numpy() if hasattr(output_shape, "numpy")
                                      else output_shape))
    if tuple(out.shape[1:]) != expected[1:]:
        raise ValueError(f"conv2d_transpose of an input of shape {tuple(_tensor(x).shape)} "
                         f"with strides={strides} and padding={padding!r} gives shape "
                         f"{tuple(out.shape)}, not output_shape={expected}.")
    return out


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    return ops.depthwise_conv(x, depthwise_kernel, strides=strides, padding=padding,
                              data_format=_format(data_format), dilation_rate=dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    return ops.separable_conv(x, depthwise_kernel, pointwise_kernel, strides=strides,
                              padding=padding, data_format=_format(data_format),
                              dilation_rate=dilation_rate)


def _pool(x, pool_size, strides, padding, data_format, pool_mode):
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Invalid pool_mode: {pool_mode}. Expected 'max' or 'avg'.")
    pool = ops.max_pool if pool_mode == "max" else ops.average_pool
    return pool(x, pool_size, strides=strides, padding=padding,
                data_format=_format(data_format))


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool(x, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    return _pool(x, pool_size, strides, padding, data_format, pool_mode)


# ---- control flow and gradients ------------------------------------------------------------
def map_fn(fn, elems, name=None, dtype=None):  # noqa: F811
    """``fn`` on each slice of ``elems`` along axis 0, the results stacked."""
    del name
    out = ops.stack([fn(e) for e in ops.unstack(_tensor(elems), axis=0)], axis=0)
    return out if dtype is None else ops.cast(out, dtype)


def _fold(fn, elems, initializer, order):
    slices = ops.unstack(_tensor(elems), axis=0)
    slices = slices if order == "left" else slices[::-1]
    accumulator = slices.pop(0) if initializer is None else initializer
    for element in slices:
        accumulator = fn(accumulator, element)
    return accumulator


def foldl(fn, elems, initializer=None, name=None):
    """``fn(fn(initializer, elems[0]), elems[1]) ...`` (``elems[0]`` starts without an
    initializer)."""
    del name
    return _fold(fn, elems, initializer, "left")


def foldr(fn, elems, initializer=None, name=None):
    """As foldl, from the last element to the first."""
    del name
    return _fold(fn, elems, initializer, "right")


def gradients(loss, variables):
    """The gradients of ``loss`` with respect to each of ``variables`` (a recorded tensor,
    computed from the variables in this eager run; tf.keras 2 needs graph mode for this)."""
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    if not isinstance(loss, Tensor) or not loss.requires_grad:
        raise ValueError("`gradients` differentiates a loss computed from the variables in "
                         f"this run (a recorded tensor). Received: loss={loss!r}")
    return [None if g is None else _tensor(g)  # None where no path: TF's unconnected rule
            for g in _grad(loss, variables, retain_graph=True)]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None, time_major=False, zero_output_for_mask=False,
        return_all_outputs=True):
    """Run ``step_function(input_t, states + constants) -> (output_t, new_states)`` over the
    time axis of ``inputs`` (axis 1, or 0 with ``time_major``).

    Returns ``(last_output, outputs, new_states)``; ``outputs`` stacks every step's output
    on the time axis (only the last, with ``return_all_outputs=False``). Where ``mask``
    ``(batch, time)`` is False a step keeps the previous states and output (0 with
    ``zero_output_for_mask``).
    """
    del unroll, input_length  # one Python loop serves both
    inputs = _tensor(inputs)
    steps = ops.unstack(inputs if time_major else ops.moveaxis(inputs, 1, 0), axis=0)
    masks = None if mask is None else ops.unstack(
        ops.cast(mask if time_major else ops.moveaxis(mask, 1, 0), "bool"), axis=0)
    order = range(len(steps) - 1, -1, -1) if go_backwards else range(len(steps))
    states, constants = list(initial_states), list(constants or [])
    outputs, previous = [], None
    for t in order:
        output, new_states = step_function(steps[t], states + constants)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if masks is not None:
            output, previous, new_states = _masked_step(
                masks[t], output, previous, new_states, states, zero_output_for_mask)
        states = new_states
        outputs.append(output)
    last = outputs[-1]
    stacked = ops.stack(outputs if return_all_outputs else [last], axis=0)
    return last, (stacked if time_major else ops.moveaxis(stacked, 0, 1)), states


def _masked_step(step_mask, output, previous, new_states, states, zero_output):
    """One masked step: the states and output where the mask holds, the previous ones (or
    0 for the output) where it does not."""
    def along(value):  # the (batch,) mask against a (batch, ...) value
        return ops.reshape(step_mask, (-1,) + (1,) * (len(value.shape) - 1))

    kept = ops.zeros_like(output) if zero_output or previous is None else previous
    output = ops.where(along(output), output, kept)
    states = [ops.where(along(n), n, s) for n, s in zip(new_states, states)]
    return output, output, states
