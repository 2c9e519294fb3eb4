"""A whole recurrent layer over all timesteps as one primitive (SimpleRNN, LSTM, GRU).

Why fused: a recurrence composed of per-step primitives records ~15 graph nodes per
timestep and pays Python overhead for each in forward and backward. Here the input
projection of every timestep is one GEMM, the loop updates preallocated numpy buffers
in place, and backpropagation through time is one loop with one GEMM per step plus one
GEMM for each weight gradient at the end.

Inputs, in order: ``x`` (batch, time, features), ``kernel`` (features, G*units),
``recurrent_kernel`` (units, G*units), then ``bias`` (G*units,) when ``has_bias``, then
the GRU's ``recurrent_bias`` (G*units,) when ``has_recurrent_bias``, then the initial
states, each (batch, units). G is the number of gates (1, 4 or 3), laid out as Keras
stores them: LSTM i, f, c, o; GRU z, r, h.

Options (not differentiated): ``go_backwards`` runs the steps from the last timestep to
the first; ``mask`` (batch, time) of booleans: a masked step keeps the previous states and
repeats the previous output (zeros before the first unmasked step), as Keras's ``rnn``
does; ``recurrent_dropout_mask`` (batch, units) multiplies the previous hidden state before
its recurrent product.

Output: one array (batch, time + n_states, units): the outputs of the steps in processing
order (reversed input order with ``go_backwards``, as Keras returns them), then the final
states (``h`` for SimpleRNN and GRU; ``h, c`` for LSTM). The layer slices it.
"""
import numpy as np

from .function import Function


class _Recurrence(Function):
    """The loop, masking, packing and weight gradients shared by the three cells.

    A subclass sets ``gates`` and ``n_states`` and writes one step forward
    (``step``: previous states -> new states, saving what its backward needs at index
    ``s``) and one step backward (``step_backward``: gradients of the new states -> the
    pre-activation gradient written into ``da`` and the gradients of the previous states).
    """

    gates = 1
    n_states = 1

    def __init__(self, go_backwards=False, mask=None, recurrent_dropout_mask=None,
                 has_bias=True, has_recurrent_bias=False):
        self.go_backwards = go_backwards
        self.mask = None if mask is None else np.asarray(mask, dtype=bool)
        self.rd = recurrent_dropout_mask
        self.has_bias, self.has_recurrent_bias = has_bias, has_recurrent_bias

    # ---- the driver ---------------------------------------------------------------------
    def forward(self, x, kernel, recurrent_kernel, *rest):
        rest = list(rest)
        bias = rest.pop(0) if self.has_bias else None
        self.recurrent_bias = rest.pop(0) if self.has_recurrent_bias else None
        batch, steps, _ = x.shape
        units = recurrent_kernel.shape[0]
        self.kernel, self.recurrent_kernel = kernel, recurrent_kernel
        self.prepare(kernel, recurrent_kernel, bias)
        # (time, batch, G*units): every timestep's input projection in one GEMM
        xp = np.matmul(x.transpose(1, 0, 2), self.kernel_fwd)
        if bias is not None:
            xp += self.bias_fwd
        self.h_prev = np.empty((steps, batch, units), dtype=x.dtype)
        self.allocate(steps, batch, units, x.dtype)
        states = [s.copy() for s in rest]
        out = np.zeros((batch, units), dtype=x.dtype) if self.mask is not None else None
        y = np.empty((batch, steps + self.n_states, units), dtype=x.dtype)
        for s in range(steps):
            t = steps - 1 - s if self.go_backwards else s
            self.h_prev[s] = states[0]
            hd = states[0] if self.rd is None else states[0] * self.rd
            new = self.step(s, xp[t], hd, states)
            if self.mask is None:
                states = new
                y[:, s] = new[0]
            else:
                keep = self.mask[:, t:t + 1]
                for old, value in zip(states, new):
                    np.copyto(old, value, where=keep)
                np.copyto(out, new[0], where=keep)
                y[:, s] = out
        for k, state in enumerate(states):
            y[:, steps + k] = state
        return y

    def backward(self, gy):
        x = self.inputs[0].data
        batch, steps, features = x.shape
        units = self.recurrent_kernel.shape[0]
        d_states = [gy[:, steps + k].copy() for k in range(self.n_states)]
        d_out = np.zeros((batch, units), gy.dtype) if self.mask is not None else None
        da = np.empty((steps, batch, self.gates * units), dtype=gy.dtype)
        for s in range(steps - 1, -1, -1):
            t = steps - 1 - s if self.go_backwards else s
            if self.mask is None:
                d_states[0] += gy[:, s]
                d_prev = self.step_backward(s, d_states, da[s])
            else:
                keep = self.mask[:, t:t + 1]
                d_out += gy[:, s]
                d_new = [np.where(keep, d, 0) for d in d_states]
                d_new[0] += np.where(keep, d_out, 0)
                d_out = np.where(keep, 0, d_out)
                d_prev = self.step_backward(s, d_new, da[s])
                d_prev = [p + np.where(keep, 0, d) for p, d in zip(d_prev, d_states)]
            d_states = d_prev
        da_time = da[::-1] if self.go_backwards else da  # back to input time order
        flat = da_time.reshape(steps * batch, -1)
        dx = np.matmul(da_time, self.kernel.T).transpose(1, 0, 2)
        dkernel = x.transpose(1, 0, 2).reshape(steps * batch, features).T @ flat
        grads = [dx, dkernel, self.recurrent_grads(da)]
        if self.has_bias:
            grads.append(flat.sum(axis=0))
        if self.has_recurrent_bias:
            grads.append(self.recurrent_bias_grad)
        return tuple(grads) + tuple(d_states)

    def hd_prev(self):
        """The previous hidden states of every step as the recurrent product saw them."""
        return self.h_prev if self.rd is None else self.h_prev * self.rd

    def back_through_recurrent(self, d_rec, recurrent_kernel):
        """Gradient reaching the previous hidden state through ``(h * rd) @ recurrent_kernel``."""
        dh = d_rec @ recurrent_kernel.T
        return dh if self.rd is None else dh * self.rd

    # ---- per cell ------------------------------------------------------------------------
    def prepare(self, kernel, recurrent_kernel, bias):
        self.kernel_fwd, self.recurrent_fwd, self.bias_fwd = kernel, recurrent_kernel, bias

    def allocate(self, steps, batch, units, dtype):
        raise NotImplementedError

    def step(self, s, xp, hd, states):
        raise NotImplementedError

    def step_backward(self, s, d_new, da):
        raise NotImplementedError

    def recurrent_grads(self, da):
        """d(recurrent_kernel) from every step's pre-activation gradient, in one GEMM."""
        units = self.recurrent_kernel.shape[0]
        return self.hd_prev().reshape(-1, units).T @ da.reshape(-1, da.shape[-1])


# σ(a) = (1 + tanh(a / 2)) / 2: with the sigmoid gates' columns of the weights halved
# beforehand, one tanh call over all gates gives every activation of an LSTM step; a
# multiply and an add by per-column constants then finish the sigmoid ones.
def _gate_scales(units, sigmoid_gates, gates, dtype):
    scale = np.ones(gates * units, dtype=dtype)
    shift = np.zeros(gates * units, dtype=dtype)
    for g in sigmoid_gates:
        scale[g * units:(g + 1) * units] = 0.5
        shift[g * units:(g + 1) * units] = 0.5
    return scale, shift


class SimpleRNNRecurrence(_Recurrence):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    ``activation`` is "tanh", "relu" or "linear" (their derivatives read the output).
    """

    def __init__(self, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        if activation not in ("tanh", "relu", "linear"):
            raise ValueError(f"SimpleRNNRecurrence supports activation 'tanh', 'relu' or "
                             f"'linear'. Received: activation={activation!r}")
        self.activation = activation

    def allocate(self, steps, batch, units, dtype):
        self.y = np.empty((steps, batch, units), dtype=dtype)

    def step(self, s, xp, hd, states):
        a = np.matmul(hd, self.recurrent_kernel, out=self.y[s])
        a += xp
        if self.activation == "tanh":
            np.tanh(a, out=a)
        elif self.activation == "relu":
            np.maximum(a, 0, out=a)
        return [a]

    def step_backward(self, s, d_new, da):
        y = self.y[s]
        if self.activation == "tanh":
            np.multiply(d_new[0], 1 - y * y, out=da)
        elif self.activation == "relu":
            np.multiply(d_new[0], y > 0, out=da)
        else:
            da[...] = d_new[0]
        return [self.back_through_recurrent(da, self.recurrent_kernel)]


class LSTMRecurrence(_Recurrence):
    """Keras's LSTM step (tanh activation, sigmoid recurrent activation), gates i, f, c, o::

        i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_c)
        c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
    with ``a = x_t @ kernel + bias + h_{t-1} @ recurrent_kernel``.
    """

    gates = 4
    n_states = 2

    def prepare(self, kernel, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        self.scale, self.shift = _gate_scales(units, (0, 1, 3), 4, kernel.dtype)
        self.kernel_fwd = kernel * self.scale
        self.recurrent_fwd = recurrent_kernel * self.scale
        self.bias_fwd = None if bias is None else bias * self.scale

    def allocate(self, steps, batch, units, dtype):
        self.acts = np.empty((steps, batch, 4 * units), dtype=dtype)  # i, f, g, o
        self.c_prev = np.empty((steps, batch, units), dtype=dtype)
        self.tanh_c = np.empty((steps, batch, units), dtype=dtype)

    def step(self, s, xp, hd, states):
        u = hd.shape[1]
        z = np.matmul(hd, self.recurrent_fwd, out=self.acts[s])
        z += xp
        np.tanh(z, out=z)
        z *= self.scale
        z += self.shift
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        self.c_prev[s] = states[1]
        c = f * states[1]
        c += i * g
        tc = np.tanh(c, out=self.tanh_c[s])
        return [o * tc, c]

    def step_backward(self, s, d_new, da):
        dh, dc = d_new
        z, tc, c_prev = self.acts[s], self.tanh_c[s], self.c_prev[s]
        u = tc.shape[1]
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        dc = dc + dh * o * (1 - tc * tc)
        np.multiply(dc * g, i * (1 - i), out=da[:, :u])
        np.multiply(dc * c_prev, f * (1 - f), out=da[:, u:2 * u])
        np.multiply(dc * i, 1 - g * g, out=da[:, 2 * u:3 * u])
        np.multiply(dh * tc, o * (1 - o), out=da[:, 3 * u:])
        return [self.back_through_recurrent(da, self.recurrent_kernel), dc * f]


class GRURecurrence(_Recurrence):
    """Keras's GRU step (tanh activation, sigmoid recurrent activation), gates z, r, h.

    ``reset_after=True`` (Keras 3's default; the recurrent bias is the second row of the
    (2, 3u) bias)::

        m = h_{t-1} @ recurrent_kernel + recurrent_bias
        z, r = σ(x_z + m_z), σ(x_r + m_r);  ĥ = tanh(x_h + r * m_h)
    ``reset_after=False``: ``z, r = σ(x_z + h U_z), σ(x_r + h U_r)``; ``ĥ = tanh(x_h +
    (r * h) U_h)``. Then ``h_t = z * h_{t-1} + (1 - z) * ĥ``; ``x = x_t @ kernel + bias``.
    """

    gates = 3

    def __init__(self, reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self.reset_after = reset_after

    def prepare(self, kernel, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        self.scale, self.shift = _gate_scales(units, (0, 1), 3, kernel.dtype)
        self.kernel_fwd = kernel * self.scale
        self.recurrent_fwd = recurrent_kernel * self.scale
        self.bias_fwd = None if bias is None else bias * self.scale
        rb = self.recurrent_bias
        self.recurrent_bias_fwd = None if rb is None else rb * self.scale

    def allocate(self, steps, batch, units, dtype):
        self.zrm = np.empty((steps, batch, 3 * units), dtype=dtype)  # z, r, m_h (or r*h)
        self.hh = np.empty((steps, batch, units), dtype=dtype)

    def step(self, s, xp, hd, states):
        u = hd.shape[1]
        zrm = self.zrm[s]
        if self.reset_after:
            np.matmul(hd, self.recurrent_fwd, out=zrm)
            if self.recurrent_bias_fwd is not None:
                zrm += self.recurrent_bias_fwd
        else:
            np.matmul(hd, self.recurrent_fwd[:, :2 * u], out=zrm[:, :2 * u])
        zr = zrm[:, :2 * u]
        zr += xp[:, :2 * u]
        np.tanh(zr, out=zr)
        zr *= 0.5
        zr += 0.5
        z, r = zrm[:, :u], zrm[:, u:2 * u]
        if self.reset_after:
            hh = np.multiply(r, zrm[:, 2 * u:], out=self.hh[s])
        else:
            rh = np.multiply(r, hd, out=zrm[:, 2 * u:])
            hh = np.matmul(rh, self.recurrent_kernel[:, 2 * u:], out=self.hh[s])
        hh += xp[:, 2 * u:]
        np.tanh(hh, out=hh)
        h = states[0] - hh
        h *= z
        h += hh
        return [h]

    def step_backward(self, s, d_new, da):
        dh = d_new[0]
        zrm, hh, h_prev = self.zrm[s], self.hh[s], self.h_prev[s]
        u = hh.shape[1]
        z, r, m = zrm[:, :u], zrm[:, u:2 * u], zrm[:, 2 * u:]
        np.multiply(dh * (1 - z), 1 - hh * hh, out=da[:, 2 * u:])  # through ĥ's tanh
        dah = da[:, 2 * u:]
        np.multiply(dh * (h_prev - hh), z * (1 - z), out=da[:, :u])
        U = self.recurrent_kernel
        if self.reset_after:
            np.multiply(dah * m, r * (1 - r), out=da[:, u:2 * u])
            d_rec = np.concatenate([da[:, :2 * u], dah * r], axis=1)
            self.d_rec[s] = d_rec
            dhd = d_rec @ U.T
        else:
            d_rh = dah @ U[:, 2 * u:].T
            hd = h_prev if self.rd is None else h_prev * self.rd
            np.multiply(d_rh * hd, r * (1 - r), out=da[:, u:2 * u])
            dhd = da[:, :2 * u] @ U[:, :2 * u].T + d_rh * r
        if self.rd is not None:
            dhd *= self.rd
        return [dhd + dh * z]

    def backward(self, gy):
        if self.reset_after:
            self.d_rec = np.empty_like(self.zrm)
        return super().backward(gy)

    def recurrent_grads(self, da):
        units = self.recurrent_kernel.shape[0]
        hd = self.hd_prev().reshape(-1, units)
        if self.reset_after:
            d_rec = self.d_rec.reshape(-1, 3 * units)
            self.recurrent_bias_grad = d_rec.sum(axis=0)
            return hd.T @ d_rec
        flat = da.reshape(-1, 3 * units)
        rh = self.zrm[:, :, 2 * units:].reshape(-1, units)
        return np.concatenate([hd.T @ flat[:, :2 * units], rh.T @ flat[:, 2 * units:]], axis=1)


# ---- functional forms (listed in primitives.PRIMITIVES) ----------------------------------------
def _apply(fn, x, kernel, recurrent_kernel, bias, recurrent_bias, states):
    fn.has_bias, fn.has_recurrent_bias = bias is not None, recurrent_bias is not None
    extra = [w for w in (bias, recurrent_bias) if w is not None]
    return fn(x, kernel, recurrent_kernel, *extra, *states)


def simple_rnn_recurrence(x, kernel, recurrent_kernel, bias, h0, activation="tanh",
                          go_backwards=False, mask=None, recurrent_dropout_mask=None):
    """SimpleRNN over all timesteps: (batch, time + 1, units) = outputs, then final h."""
    fn = SimpleRNNRecurrence(activation, go_backwards=go_backwards, mask=mask,
                             recurrent_dropout_mask=recurrent_dropout_mask)
    return _apply(fn, x, kernel, recurrent_kernel, bias, None, [h0])


def lstm_recurrence(x, kernel, recurrent_kernel, bias, h0, c0, go_backwards=False, mask=None,
                    recurrent_dropout_mask=None):
    """LSTM over all timesteps: (batch, time + 2, units) = outputs, then final h and c."""
    fn = LSTMRecurrence(go_backwards=go_backwards, mask=mask,
                        recurrent_dropout_mask=recurrent_dropout_mask)
    return _apply(fn, x, kernel, recurrent_kernel, bias, None, [h0, c0])


def gru_recurrence(x, kernel, recurrent_kernel, bias, recurrent_bias, h0, reset_after=True,
                   go_backwards=False, mask=None, recurrent_dropout_mask=None):
    """GRU over all timesteps: (batch, time + 1, units) = outputs, then final h.

    ``recurrent_bias`` is used only with ``reset_after`` (pass None otherwise)."""
    fn = GRURecurrence(reset_after, go_backwards=go_backwards, mask=mask,
                       recurrent_dropout_mask=recurrent_dropout_mask)
    return _apply(fn, x, kernel, recurrent_kernel, bias, recurrent_bias, [h0])
