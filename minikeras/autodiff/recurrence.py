"""A whole recurrent layer over all timesteps as one primitive (SimpleRNN, LSTM, GRU).

Why fused: a recurrence composed of per-step primitives records ~15 graph nodes per
timestep and pays Python overhead for each in forward and backward. Here each step is
one matrix product into preallocated numpy buffers updated in place, and backpropagation
through time is one loop with one product per step (``dz @ Uᵀ``) plus, per chunk of
timesteps, one product for the weights and one for the input gradient, computed on a
helper thread while the loop goes on when another thread is free.

Inputs, in order: ``x`` (batch, time, features), ``kernel`` (features, G*units),
``recurrent_kernel`` (units, G*units), then ``bias`` (G*units,) when ``has_bias``, then
the GRU's ``recurrent_bias`` (G*units,) when ``has_recurrent_bias``, then the initial
states, each (batch, units). G is the number of gates (1, 4 or 3), laid out as Keras
stores them: LSTM i, f, c, o; GRU z, r, h.

Options (not differentiated): ``go_backwards`` runs the steps from the last timestep to
the first; ``mask`` (batch, time) of booleans: a masked step keeps the previous states and
repeats the previous output (zeros before the first unmasked step), as Keras's ``rnn``
does; ``recurrent_dropout_mask`` (batch, units) multiplies the previous hidden state before
its recurrent product, or (gates, batch, units): one mask per gate (Keras's gate order,
``implementation=1``), as ``dropout_masks`` (gates, batch, features) multiplies the input
of each gate (LSTM, GRU); ``return_sequences=False`` keeps only the last step's output.

Output: one array (batch, time + n_states, units): the outputs of the steps in processing
order (reversed input order with ``go_backwards``, as Keras returns them), then the final
states (``h`` for SimpleRNN and GRU; ``h, c`` for LSTM). The layer slices it. With
``return_sequences=False`` only the last step's output is kept: (batch, 1 + n_states,
units), and no step writes an output it would not keep.
"""
import contextlib

import numpy as np

from . import blas_threads, grad_mode, parallel, scratch
from .elementwise import relu, relu_into, sigmoid, tanh, where
from .function import Function, primitive, recorded_vjp
from .linear import matmul
from .shape import stack
from .tensor import Tensor

# Gate pre-activations per timestep in each thread's part of the batch below which a
# recurrence stays on one Python thread: smaller steps are mostly numpy's per-call overhead,
# which holds the GIL, so parts would only take turns (quiet machine, LSTM(128): splitting
# batch 64 into two parts of 32 rows made fit 20% slower; 128-row parts of predict's batch
# 256 are 10% faster than one thread).
MIN_PART_WORK = 1 << 15


def by_rows(fn, batch, width):
    """``fn(start, stop)`` over the batch rows: one part per thread (each with at least
    ``MIN_PART_WORK`` of the step's ``width`` pre-activations per row), else ``fn(0,
    batch)``; BLAS on one thread when this process can set BLAS's thread count (without
    that, one part, with BLAS's own threading).

    A batch row's recurrence never reads another row, so parts run independently, each with
    its own small products; their numpy passes and products release the GIL. One part
    too runs its products on one BLAS thread: the step's product per gate block is too
    small to share (LSTM(128), batch 64: 87 us per step on 2 OpenBLAS threads, 69 on one),
    and a loaded machine's preemption of OpenBLAS's second thread stalls the first."""
    with blas_threads.single_threaded() as pinned:
        if pinned and splits(batch, width):
            parallel.for_thread_parts(fn, batch, _min_rows(width))
        else:
            fn(0, batch)


# Rows (timesteps x batch) per product of the weight and input gradients when a helper
# thread computes them while the loop goes on (and per chunk of the LSTM's backward factors,
# prepared on the helper as the forward passes them): products over 512 rows ran at 95% of
# the speed of one product over all timesteps (LSTM(128), batch 64, 1 thread), and the last
# chunk's product, after the loop, stays short. 1024 rows, not 512: each of the helper's
# numpy calls briefly takes the GIL the loop's short calls need, so fewer, larger chunks
# slow the loop less (LSTM(128), batch 64, quiet machine: forward + backward 23.7 -> 22.8 ms;
# fit 2,488-2,530 -> 2,607-2,628 samples/s; 1,600 rows 23.2 ms, 3,200 rows 25.4 ms).
CHUNK_ROWS = 1024
# Gate pre-activations per timestep from which a recurrence that runs as one part hands its
# chunks' products to another thread (below, a thread hand-off costs more than it saves).
MIN_SIDE_WORK = 1 << 13


def time_chunks(steps, batch):
    """(start, stop) of consecutive timestep chunks of about ``CHUNK_ROWS`` rows each."""
    size = max(1, CHUNK_ROWS // batch)
    return [(s, min(s + size, steps)) for s in range(0, steps, size)]


def splits(batch, width):
    """Whether ``by_rows`` runs the batch in more than one part."""
    return parallel.threads() > 1 and batch >= 2 * _min_rows(width)


def _min_rows(width):
    return -(-MIN_PART_WORK // width)


@contextlib.contextmanager
def side_tasks(batch, width):
    """A ``parallel.SideTasks`` (BLAS on one thread inside the block) for a recurrence that
    runs as one part, when another thread is free, BLAS's thread count can be set and a
    step has at least ``MIN_SIDE_WORK`` pre-activations; else None."""
    if parallel.threads() == 1 or splits(batch, width) or batch * width < MIN_SIDE_WORK:
        yield None
        return
    with blas_threads.single_threaded() as pinned:
        if not pinned:
            yield None
            return
        with parallel.SideTasks() as side:
            yield side


class _Recurrence(Function):
    """The loop, masking, buffers and weight gradients shared by the three cells.

    Each step is one product ``[x_t, 1, h_{t-1}] @ M`` where M stacks the kernel, the bias
    (as a row, so the product adds it) and the recurrent kernel. The product is written
    gate-blocked, (blocks, batch, units), so every gate's elementwise work runs on one
    contiguous array: numpy's loops over a (batch, units) column slice of a (batch,
    4*units) row-major array ran 2-3x slower per element (the gate-blocked product is one
    BLAS call per block, ~6% slower than one (batch, 4*units) product at batch 64, ~12% at
    256: the contiguous elementwise work more than pays for it). A subclass orders its blocks
    with the sigmoid gates first (LSTM o, i, f, c), so one exp, one add and one reciprocal
    finish every sigmoid (``sigmoid_of_negated``: σ(a) = 1 / (1 + exp(-a)), with those
    gates' columns of M negated beforehand; numpy's float32 exp takes half the time of its
    tanh: 3.5 against 7 ns an element on the 2-core AMD EPYC VM, numpy 2.4, no SIMD for
    either).

    Backward: per step, the pre-activation gradients are written into one (batch,
    blocks*units) row and ``dz @ Uᵀ`` gives the gradient of h_{t-1}. The weights' gradient
    (bias included) and the input gradient do not feed the loop: with a helper thread
    (``side_tasks``: the batch runs as one part and another thread is free) they are
    products over time chunks of ``CHUNK_ROWS`` rows (``chunk_gradients``), handed to it
    as soon as the loop has passed a chunk, the weights' gradient the sum of the chunks'
    products in chunk order; else one product each over all steps after the loop.
    (Measured with LSTM(128),
    batch 64 and 256: projecting all timesteps' inputs first was slower, the (time,
    batch, 4u) result does not stay in cache and a 32-deep product runs at half the speed;
    computed ahead of the loop on the helper thread, with ``h @ U`` in the loop, fit ran no
    faster on a quiet machine: 2,436 and 2,383 samples/s against 2,465 and 2,479 without.)
    A cell with work per step that does not depend on the state gradients (``prepares``:
    the LSTM's factors) does it per time chunk (``prepare_chunk``): on the helper thread
    as the forward passes each chunk, else in the backward loop before the chunk's steps.

    Buffers are time-major, taken from ``scratch`` (no fresh pages per call): the
    pre-activations ``z`` are (steps, blocks, batch, units), so one step's blocks are one
    contiguous array (passes over three blocks of a block-major buffer, each block a
    whole time series apart, ran 1.5-3x slower); without a backward pass (predict,
    evaluate) two slots per buffer, used alternately, suffice.
    Without recurrent dropout, h's buffer is the h part of ``xh`` (``h_into_xh``: a step
    writes h_t where the next step's product reads it, no copy). The
    time loops (``forward_rows``, ``backward_rows``) run on a slice of the batch rows:
    ``by_rows`` gives each thread its own part of the same buffers. With per-gate dropout
    masks every block has its own ``[x_t * dp_g, 1, h_{t-1} * rd_g]`` (``xh`` gains a
    leading block axis; the step's product is then one batched product per block) and the
    gradients of x_t and h_{t-1} are the masked sums over the blocks.

    A subclass sets ``blocks``, ``sigmoid_blocks`` and ``n_states``, builds M
    (``stack``: columns in block order) and splits its gradient (``weight_grads``), and
    writes one step forward (``step``: pre-activations -> new states) and one step
    backward (``step_backward``: gradients of the new states -> pre-activation gradients).
    """

    blocks = 1          # gate blocks in the step's product
    prepares = False    # whether the cell has per-chunk work for the backward loop
    h_into_xh = True    # whether h may live in [x_t, 1, h_{t-1}] (rows strided by its width)
    sigmoid_blocks = 0  # how many leading blocks take the sigmoid
    gate_of_block = (0,)  # the Keras gate whose dropout masks each block takes
    n_states = 1
    record = True  # whether backward will run (the functional forms set it)

    def __init__(self, go_backwards=False, mask=None, recurrent_dropout_mask=None,
                 has_bias=True, has_recurrent_bias=False, return_sequences=True,
                 dropout_masks=None):
        self.go_backwards = go_backwards
        self.return_sequences = return_sequences
        self.mask = None if mask is None else np.asarray(mask, dtype=bool)
        self.rd = recurrent_dropout_mask
        self.dp = dropout_masks
        self.gate_masks = dropout_masks, recurrent_dropout_mask  # as given (``composed``)
        self.per_block = dropout_masks is not None or np.ndim(recurrent_dropout_mask) == 3
        self.has_bias, self.has_recurrent_bias = has_bias, has_recurrent_bias

    # ---- the driver ---------------------------------------------------------------------
    def forward(self, x, kernel, recurrent_kernel, *rest):
        rest = list(rest)
        bias = rest.pop(0) if self.has_bias else None
        recurrent_bias = rest.pop(0) if self.has_recurrent_bias else None
        batch, steps, features = x.shape
        units = recurrent_kernel.shape[0]
        self.batch_size = batch
        self.features, self.units = features, units
        self.recurrent_kernel = recurrent_kernel
        dtype = x.dtype
        self.m = self.stack(kernel, bias, recurrent_kernel, recurrent_bias).astype(dtype)
        width = features + 1 + units
        m_fwd = np.ascontiguousarray(self.m.reshape(width, self.blocks, units).transpose(1, 0, 2))
        np.negative(m_fwd[:self.sigmoid_blocks], out=m_fwd[:self.sigmoid_blocks])
        # Without a backward pass two alternating slots per buffer suffice.
        slots = steps if self.record else 2
        if self.per_block:
            self.block_masks(batch, dtype)
        # [x_t, 1, h_{t-1}] (times the dropout masks), one per block with per-gate masks;
        # without masks on h, its h part is the h state's buffer (one more slot for the last)
        self.h_in_xh = self.h_into_xh and self.rd is None and not self.per_block
        state_slots = slots + 1 if self.record else 2
        xh = self.take(((self.blocks,) if self.per_block else ()) +
                       (state_slots if self.h_in_xh else slots, batch, width), dtype)
        xh[..., features] = 1
        if self.record:
            xs = x.transpose(1, 0, 2)[::-1 if self.go_backwards else 1]
            if self.per_block:
                np.multiply(xs, self.dp[:, None], out=xh[..., :features])
            else:
                xh[:slots, :, :features] = xs
        self.xh = xh
        self.z = self.take((slots, self.blocks, batch, units), dtype)
        self.states = [self.take((state_slots, batch, units), dtype)
                       for _ in range(self.n_states - self.h_in_xh)]
        if self.h_in_xh:
            self.states.insert(0, xh[:, :, features + 1:])
        for buffer, initial in zip(self.states, rest):
            buffer[0] = initial
        self.allocate(slots, batch, units, dtype)
        outputs = steps if self.return_sequences else 1
        y = np.empty((outputs + self.n_states, batch, units), dtype=dtype)  # time-major
        masked_out = None if self.mask is None else np.zeros((batch, units), dtype=dtype)
        ahead = self.record and self.prepares
        with side_tasks(batch, self.blocks * units) if ahead else contextlib.nullcontext() as side:
            # with a helper thread, the backward loop's per-chunk work is done as the forward
            # passes each chunk
            self.prepared = side is not None
            ends = {s1: s0 for s0, s1 in time_chunks(steps, batch)} if self.prepared else {}
            by_rows(lambda lo, hi: self.forward_rows(slice(lo, hi), x, m_fwd, y, masked_out,
                                                     side, ends), batch, self.blocks * units)
        last = steps if self.record else steps & 1
        for j, buffer in enumerate(self.states):
            y[outputs + j] = buffer[last]
        return y.transpose(1, 0, 2)  # (batch, outputs + n_states, units), a view

    def forward_rows(self, rows, x, m_fwd, y, masked_out, side, ends):
        """The time loop for the batch rows ``rows`` (a slice): their outputs in ``y``; once
        past a chunk's last step (``ends``: chunk stop -> start), its ``prepare_chunk`` goes
        to ``side``."""
        steps, features = x.shape[1], self.features
        every = self.return_sequences
        xh, z_all, states = self.xh, self.z, self.states
        rd = None if self.rd is None else self.rd[..., rows, :]
        dp = self.dp[:, rows] if self.per_block else None
        if masked_out is not None:
            out, skip = masked_out[rows], ~self.mask[rows]
        for s in range(steps):
            t = steps - 1 - s if self.go_backwards else s
            k, k1 = (s, s + 1) if self.record else (s & 1, (s & 1) ^ 1)
            if not self.record:
                if dp is None:
                    xh[k, rows, :features] = x[rows, t]
                else:
                    np.multiply(x[rows, t], dp, out=xh[:, k, rows, :features])
            hd = xh[..., k, rows, features + 1:]
            if rd is not None:
                np.multiply(states[0][k, rows], rd, out=hd)
            elif not self.h_in_xh:
                np.copyto(hd, states[0][k, rows])
            z = np.matmul(xh[..., k, rows, :], m_fwd, out=z_all[k, :, rows])
            new_h = self.step(k, k1, rows, z, hd[-1] if self.per_block else hd)
            if masked_out is not None:
                drop = skip[:, t:t + 1]
                for buffer in states:
                    np.copyto(buffer[k1, rows], buffer[k, rows], where=drop)
                np.copyto(out, new_h, where=~drop)
                new_h = out
            if every:
                y[s, rows] = new_h
            elif s == steps - 1:
                y[0, rows] = new_h
            if s + 1 in ends:
                side.add(lambda s0=ends[s + 1], s1=s + 1: self.prepare_chunk(s0, s1, rows))

    def take(self, shape, dtype):
        """A scratch array held until this primitive is freed."""
        return scratch.hold(self, shape, dtype)

    def backward(self, gy):
        batch, steps, features = self.inputs[0].shape
        units, blocks, width = self.units, self.blocks, self.m.shape[0]
        recurrent = self.m[features + 1:]  # (units, blocks*units) -> its transpose per step
        if self.per_block:
            u_t = np.ascontiguousarray(recurrent.reshape(units, blocks, units).transpose(1, 2, 0))
        else:
            u_t = np.ascontiguousarray(recurrent.T)
        dz = self.take((steps, batch, blocks * units), gy.dtype)
        dx = np.empty((steps, batch, features), dtype=gy.dtype) \
            if self.inputs[0].requires_grad else None
        d_initial = [np.empty((batch, units), gy.dtype) for _ in range(self.n_states)]
        with side_tasks(batch, blocks * units) as side:
            # chunks for a helper thread; one product over every step on the caller
            chunks = [(0, steps)] if side is None else time_chunks(steps, batch)
            dm_parts = self.take((len(chunks), width, blocks * units), gy.dtype)

            def chunk_gradients(j):
                self.chunk_gradients(*chunks[j], dz, dx, dm_parts[j])
            chunk_of_first_step = {s0: j for j, (s0, _) in enumerate(chunks)}

            def passed(s):  # the loop is past step s: its chunk is done if it starts there
                if s == 0:  # the last: the caller would only wait for it
                    chunk_gradients(chunk_of_first_step[0])
                elif s in chunk_of_first_step:
                    side.add(lambda j=chunk_of_first_step[s]: chunk_gradients(j))
            by_rows(lambda lo, hi: self.backward_rows(
                slice(lo, hi), gy, u_t, dz, d_initial, None if side is None else passed),
                batch, blocks * units)
        if side is None:
            chunk_gradients(0)
        dm = np.add.reduce(dm_parts, axis=0)
        grads = [None if dx is None else
                 (dx[::-1] if self.go_backwards else dx).transpose(1, 0, 2)]
        grads += self.weight_grads(dm, dz)
        return tuple(grads) + tuple(d_initial)

    def backward_rows(self, rows, gy, u_t, dz, d_initial, passed):
        """Backpropagation through time for the batch rows ``rows``: their rows of ``dz``
        and ``d_initial`` (the initial states' gradients); ``passed(s)`` (unless None) after
        each step ``s``."""
        steps, units, blocks = dz.shape[0], self.units, self.blocks
        gy = gy[rows]
        n = len(gy)
        rd = None if self.rd is None else self.rd[..., rows, :]
        outputs = steps if self.return_sequences else 1
        d_states = [gy[:, outputs + k].copy() for k in range(self.n_states)]
        # the output gradient of step s, or None (return_sequences=False: only the last)
        gy_step = (lambda s: gy[:, s]) if self.return_sequences else (
            lambda s: gy[:, 0] if s == steps - 1 else None)
        if self.mask is not None:
            mask, d_out = self.mask[rows], np.zeros((n, units), gy.dtype)
        # the per-chunk work the forward did not hand to a helper: chunk stop -> start
        ends = {} if self.prepared or not self.prepares else {
            s1: s0 for s0, s1 in time_chunks(steps, self.batch_size)}
        for s in range(steps - 1, -1, -1):
            if s + 1 in ends:
                self.prepare_chunk(ends[s + 1], s + 1, rows)
            t = steps - 1 - s if self.go_backwards else s
            g_s = gy_step(s)
            if self.mask is None:
                if g_s is not None:
                    d_states[0] += g_s
                d_new, carried = d_states, None
            else:
                keep = mask[:, t:t + 1]
                if g_s is not None:
                    d_out += g_s
                d_new = [np.where(keep, d, 0) for d in d_states]
                d_new[0] += np.where(keep, d_out, 0)
                d_out = np.where(keep, 0, d_out)
                carried = [np.where(keep, 0, d) for d in d_states]
            dz_s = dz[s, rows]
            dz_blocks = dz_s.reshape(n, blocks, units).transpose(1, 0, 2)
            dhd_extra, dh_direct, d_others = self.step_backward(s, rows, d_new, dz_blocks)
            if self.per_block:  # each block's own masked h: the masked sum of their gradients
                dhd = np.matmul(dz_blocks, u_t)
                dhd *= rd
                dhd = dhd.sum(axis=0)
                if dhd_extra is not None:  # through the last block's masked h (GRU)
                    dhd += dhd_extra * rd[-1]
            else:
                dhd = dz_s @ u_t
                if dhd_extra is not None:
                    dhd += dhd_extra
                if rd is not None:
                    dhd *= rd
            if dh_direct is not None:
                dhd += dh_direct
            d_states = [dhd] + d_others
            if carried is not None:
                d_states = [d + c for d, c in zip(d_states, carried)]
            if passed is not None:
                passed(s)
        for target, d in zip(d_initial, d_states):
            target[rows] = d

    def block_masks(self, batch, dtype):
        """Per-gate masks (Keras's gate order) -> one per block (``gate_of_block``), ones
        where a gate has none; a shared recurrent mask is every block's."""
        gates = list(self.gate_of_block)
        count = max(gates) + 1
        dp = None if self.dp is None else np.asarray(self.dp, dtype)
        rd = None if self.rd is None else np.asarray(self.rd, dtype)
        for name, mask, shapes in (
                ("dropout_masks", dp, [(count, batch, self.features)]),
                ("recurrent_dropout_mask", rd, [(count, batch, self.units), (batch, self.units)])):
            if mask is not None and mask.shape not in shapes:
                raise ValueError(f"{type(self).__name__}: {name} must have shape "
                                 f"{' or '.join(map(str, shapes))} (one mask per gate, or one "
                                 f"for every gate). Received: shape={mask.shape}")
        self.dp = np.ones((self.blocks, batch, self.features), dtype) if dp is None else dp[gates]
        if rd is None:
            rd = np.ones((batch, self.units), dtype)
        self.rd = rd[gates] if rd.ndim == 3 else np.repeat(rd[None], self.blocks, axis=0)

    def chunk_gradients(self, s0, s1, dz, dx, dm):
        """The products of the steps s0..s1-1 once their pre-activation gradients are known:
        their part of d M (into ``dm``) and their rows of ``dx`` (if not None), each one
        product over the whole chunk (one per block with per-gate masks)."""
        rows = (s1 - s0) * dz.shape[1]
        features, width = self.features, dz.shape[2]
        dz = dz[s0:s1].reshape(rows, width)
        kernel_t = self.m[:features].T  # (blocks*units, features)
        if not self.per_block:
            np.matmul(self.xh[s0:s1].reshape(rows, -1).T, dz, out=dm)
            if dx is not None:
                np.matmul(dz, kernel_t, out=dx[s0:s1].reshape(rows, features))
            return
        dx_part = None if dx is None else dx[s0:s1]
        for b, cols in enumerate(_block_columns(self.blocks, self.units)):
            np.matmul(self.xh[b, s0:s1].reshape(rows, -1).T, dz[:, cols], out=dm[:, cols])
            if dx is not None:  # each block's own masked x_t
                dx_b = (dz[:, cols] @ kernel_t[cols]).reshape(dx_part.shape)
                dx_b *= self.dp[b]
                if b == 0:
                    dx_part[...] = dx_b
                else:
                    dx_part += dx_b

    def masked_h(self, s, rows):
        """h_{t-1} of step ``s`` as the last block's product took it (times that block's
        recurrent dropout mask), for the batch rows ``rows``."""
        xh = self.xh[-1] if self.per_block else self.xh
        return xh[s, rows, self.features + 1:]

    def h_prev(self, s, rows):
        """h_{t-1} of step ``s`` (before recurrent dropout) for the batch rows ``rows``."""
        return self.states[0][s, rows]

    # ---- second order ------------------------------------------------------------------
    def vjp(self, gy):
        return recorded_vjp(self, gy, self.composed)

    def composed(self, x, kernel, recurrent_kernel, *rest):
        """The same recurrence written with the primitives, one step at a time (the
        recorded formula ``vjp`` differentiates): the same options, the same output."""
        rest = list(rest)
        bias = rest.pop(0) if self.has_bias else None
        recurrent_bias = rest.pop(0) if self.has_recurrent_bias else None
        states, (steps, units), dtype = rest, (x.shape[1], recurrent_kernel.shape[0]), x.dtype
        gates = max(self.gate_of_block) + 1
        dp, rd = (None if m is None else np.asarray(m, dtype) for m in self.gate_masks)
        out, outputs = np.zeros((x.shape[0], units), dtype), []
        for s in range(steps):
            t = steps - 1 - s if self.go_backwards else s
            x_t, h = x[:, t], states[0]
            xs = [x_t] * gates if dp is None else [x_t * dp[g] for g in range(gates)]
            hs = [h if rd is None else h * (rd[g] if rd.ndim == 3 else rd)
                  for g in range(gates)]
            x_parts = _gate_products(xs, kernel, units)
            if bias is not None:
                x_parts = [p + bias[g * units:(g + 1) * units] for g, p in enumerate(x_parts)]
            new = self.composed_step(x_parts, _gate_products(hs, recurrent_kernel, units), hs,
                                     states, recurrent_kernel, recurrent_bias)
            if self.mask is None:
                out = new[0]
            else:  # a masked step keeps the states and repeats the output
                kept = self.mask[:, t:t + 1]
                out = where(kept, new[0], out)
                new = [where(kept, n, old) for n, old in zip(new, states)]
            states = new
            outputs.append(out)
        if not self.return_sequences:
            outputs = outputs[-1:]
        return stack(outputs + list(states), axis=1)

    def composed_step(self, x_parts, h_parts, hs, states, recurrent_kernel, recurrent_bias):
        """One step with the primitives: the new states (h first) from each Keras gate's
        ``x_t @ kernel + bias`` part, ``h_{t-1} @ recurrent_kernel`` part, (dropped) h."""
        raise NotImplementedError

    # ---- per cell ------------------------------------------------------------------------
    def stack(self, kernel, bias, recurrent_kernel, recurrent_bias):
        """M = [kernel; bias; recurrent_kernel] (features + 1 + units, blocks*units), its
        columns in block order."""
        row = np.zeros((1, kernel.shape[1]), kernel.dtype) if bias is None else bias[None]
        return np.concatenate([kernel, row, recurrent_kernel])

    def weight_grads(self, dm, dz):
        """[d kernel, d recurrent_kernel] (+ [d bias]) from d M, as Keras lays them out."""
        f = self.features
        grads = [dm[:f], dm[f + 1:]]
        return grads + [dm[f]] if self.has_bias else grads

    def allocate(self, slots, batch, units, dtype):
        pass

    def prepare_chunk(self, s0, s1, rows):
        """For the backward loop, before it reaches the steps s1-1 down to s0 (batch rows
        ``rows``; the forward has passed them): work of those steps that does not depend on
        the state gradients, in a few numpy calls over the whole chunk (``prepares``)."""
        raise NotImplementedError

    def step(self, k, k1, rows, z, hd):
        """From the gate-blocked pre-activations ``z`` (blocks, rows, units) of slot ``k``
        and batch rows ``rows`` (a slice), write those rows of the new states into slot
        ``k1`` of ``self.states``; return the output."""
        raise NotImplementedError

    def step_backward(self, s, rows, d_new, dz):
        """Write d(pre-activations) of step ``s``, batch rows ``rows``, into ``dz`` (blocks,
        rows, units); return (extra gradient of h*rd, direct gradient of h_{t-1}, gradients
        of the other states)."""
        raise NotImplementedError


def sigmoid_of_negated(z):
    """σ(a) = 1 / (1 + exp(-a)) in place of ``z`` = -a (the sigmoid gates' pre-activations,
    negated by M). exp overflows to inf for a below about -88 (σ = 0), silently as every
    primitive's forward runs (``float_errors``)."""
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)


def _block_columns(blocks, units):
    """The column slice of each block in a (..., blocks*units) array."""
    return [slice(b * units, (b + 1) * units) for b in range(blocks)]


def _gate_products(inputs, weights, units):
    """``inputs[g] @ weights``'s gate-g columns (units wide) for each gate g (recorded): one
    product when every gate takes the same input."""
    if all(i is inputs[0] for i in inputs):
        whole = matmul(inputs[0], weights)
        return [whole[:, g * units:(g + 1) * units] for g in range(len(inputs))]
    return [matmul(i, weights[:, g * units:(g + 1) * units]) for g, i in enumerate(inputs)]


def _reorder(a, order, units):
    """The column blocks of ``a`` (units wide each) in ``order``."""
    return np.concatenate([a[..., g * units:(g + 1) * units] for g in order], axis=-1)


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

    def step(self, k, k1, rows, z, hd):
        y = z[0]
        if self.activation == "tanh":
            np.tanh(y, out=y)
        elif self.activation == "relu":
            relu_into(y, y)
        np.copyto(self.states[0][k1, rows], y)
        return y

    def step_backward(self, s, rows, d_new, dz):
        y = self.z[s, 0, rows]
        if self.activation == "tanh":
            np.multiply(d_new[0], 1 - y * y, out=dz[0])
        elif self.activation == "relu":
            np.multiply(d_new[0], y > 0, out=dz[0])
        else:
            dz[0] = d_new[0]
        return None, None, []

    def composed_step(self, x_parts, h_parts, hs, states, recurrent_kernel, recurrent_bias):
        a = x_parts[0] + h_parts[0]
        return [{"tanh": tanh, "relu": relu, "linear": lambda v: v}[self.activation](a)]


class LSTMRecurrence(_Recurrence):
    """Keras's LSTM step (tanh activation, sigmoid recurrent activation), gates i, f, c, o::

        i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_c)
        c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
    with ``a = x_t @ kernel + bias + h_{t-1} @ recurrent_kernel``. Blocks: o, i, f, c (the
    three whose gradients scale d c_t adjacent).

    Backward: per chunk of steps (``prepare_chunk``, on a helper thread during the forward
    when one is free), the factors that do not depend on the state gradients: ``a = o (1 -
    tanh²(c_t))`` and, per block, d(pre-activation) / d(its upstream gradient) ``P = [tanh(c_t)
    σ'_o, g σ'_i, c_{t-1} σ'_f, i tanh'_c]`` (in place of the gates' values; f is kept
    beside a); then a step is ``dc_t = dh a + dc``, ``dz_o =
    dh P_o``, ``dz_{i,f,c} = dc_t P_{i,f,c}``, ``dc_{t-1} = dc_t f``.
    """

    blocks = 4
    sigmoid_blocks = 3
    n_states = 2
    prepares = True
    order = gate_of_block = (3, 0, 1, 2)  # Keras's gate of each block

    def stack(self, kernel, bias, recurrent_kernel, recurrent_bias):
        m = super().stack(kernel, bias, recurrent_kernel, recurrent_bias)
        return _reorder(m, self.order, recurrent_kernel.shape[0])

    def weight_grads(self, dm, dz):
        return super().weight_grads(_reorder(dm, np.argsort(self.order), self.units), dz)

    def allocate(self, slots, batch, units, dtype):
        self.tanh_c = self.take((slots, batch, units), dtype)
        if self.record:  # per step: f and a (see the class)
            self.kept = self.take((2, slots, batch, units), dtype)

    def step(self, k, k1, rows, z, hd):
        sigmoid_of_negated(z[:3])
        o, i, f, g = z
        np.tanh(g, out=g)
        h, c = self.states
        c_new = np.multiply(f, c[k, rows], out=c[k1, rows])
        tc = np.multiply(i, g, out=self.tanh_c[k, rows])
        c_new += tc
        np.tanh(c_new, out=tc)
        return np.multiply(o, tc, out=h[k1, rows])

    def prepare_chunk(self, s0, s1, rows):
        """P replaces the gates' values in ``z``; f and a go to ``kept``."""
        z = self.z[s0:s1, :, rows].swapaxes(0, 1)
        o, i, f, g = z
        tc, c_prev = self.tanh_c[s0:s1, rows], self.states[1][s0:s1, rows]
        f_kept, a = self.kept[:, s0:s1, rows]
        np.multiply(tc, tc, out=a)
        np.subtract(1, a, out=a)
        a *= o
        np.copyto(f_kept, f)
        p_i = np.subtract(1, i)  # σ' = σ (1 - σ)
        p_i *= i
        p_i *= g
        np.multiply(g, g, out=g)  # tanh' = 1 - tanh², times i
        np.subtract(1, g, out=g)
        g *= i
        np.copyto(i, p_i)
        sigmoid_slope = np.subtract(1, z[:3:2])  # o and f
        z[:3:2] *= sigmoid_slope
        o *= tc
        f *= c_prev

    def step_backward(self, s, rows, d_new, dz):
        dh, dc = d_new
        p = self.z[s, :, rows]
        f, a = self.kept[:, s, rows]
        dc_total = np.multiply(dh, a)
        dc_total += dc
        np.multiply(dh, p[0], out=dz[0])
        np.multiply(dc_total, p[1:], out=dz[1:])
        return None, None, [np.multiply(dc_total, f, out=dc_total)]

    def composed_step(self, x_parts, h_parts, hs, states, recurrent_kernel, recurrent_bias):
        i, f, g, o = (xp + hp for xp, hp in zip(x_parts, h_parts))
        c = sigmoid(f) * states[1] + sigmoid(i) * tanh(g)
        return [sigmoid(o) * tanh(c), c]


class GRURecurrence(_Recurrence):
    """Keras's GRU step (tanh activation, sigmoid recurrent activation), gates z, r, h.

    ``reset_after=True`` (Keras 3's default; the recurrent bias is the second row of the
    (2, 3u) bias)::

        m = h_{t-1} @ recurrent_kernel + recurrent_bias
        z, r = σ(x_z + m_z), σ(x_r + m_r);  ĥ = tanh(x_h + r * m_h)
    ``reset_after=False``: ``z, r = σ(x_z + h U_z), σ(x_r + h U_r)``; ``ĥ = tanh(x_h +
    (r * h) U_h)``. Then ``h_t = z * h_{t-1} + (1 - z) * ĥ``; ``x = x_t @ kernel + bias``.

    The step's product gives the blocks [z, r pre-activations, x_h, m_h] (reset_after: M
    has zero blocks so x_h and m_h stay apart) or [z, r, x_h] (reset_after=False; then a
    second product (r * h) @ U_h).
    """

    sigmoid_blocks = 2
    # its step reads and writes h in 3 passes: on rows strided by xh's width they ran slower
    # than the copy they save (predict, GRU(128), batch 256: +6% CPU time)
    h_into_xh = False

    def __init__(self, reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self.reset_after = reset_after
        self.blocks = 4 if reset_after else 3
        # x_h and m_h (reset_after): the candidate gate's masks (M is zero where unused)
        self.gate_of_block = (0, 1, 2, 2) if reset_after else (0, 1, 2)

    def stack(self, kernel, bias, recurrent_kernel, recurrent_bias):
        f, u = kernel.shape[0], recurrent_kernel.shape[0]
        m = np.zeros((f + 1 + u, self.blocks * u), dtype=kernel.dtype)
        m[:f, :3 * u] = kernel
        m[f + 1:, :2 * u] = recurrent_kernel[:, :2 * u]
        if bias is not None:
            m[f, :3 * u] = bias
        if self.reset_after:
            m[f + 1:, 3 * u:] = recurrent_kernel[:, 2 * u:]
            if recurrent_bias is not None:
                m[f, :2 * u] += recurrent_bias[:2 * u]
                m[f, 3 * u:] = recurrent_bias[2 * u:]
        return m

    def allocate(self, slots, batch, units, dtype):
        self.hh = self.take((slots, batch, units), dtype)
        if not self.reset_after:
            self.rh = self.take((slots, batch, units), dtype)
            self.u_h = np.ascontiguousarray(self.recurrent_kernel[:, 2 * units:], dtype=dtype)

    def step(self, k, k1, rows, z, hd):
        sigmoid_of_negated(z[:2])
        gate, r, x_h = z[0], z[1], z[2]
        if self.reset_after:
            hh = np.multiply(r, z[3], out=self.hh[k, rows])
        else:
            rh = np.multiply(r, hd, out=self.rh[k, rows])
            hh = np.matmul(rh, self.u_h, out=self.hh[k, rows])
        hh += x_h
        np.tanh(hh, out=hh)
        h = self.states[0]
        h_new = np.subtract(h[k, rows], hh, out=h[k1, rows])
        h_new *= gate
        h_new += hh
        return h_new

    def step_backward(self, s, rows, d_new, dz):
        dh = d_new[0]
        z, hh = self.z[s, :, rows], self.hh[s, rows]
        gate, r = z[0], z[1]
        h_prev = self.h_prev(s, rows)
        d_hh = np.subtract(1, gate)
        d_hh *= dh
        slope = hh * hh
        np.subtract(1, slope, out=slope)
        dah = np.multiply(d_hh, slope, out=dz[2])  # through ĥ's tanh
        d_gate = h_prev - hh
        d_gate *= d_hh
        np.multiply(d_gate, gate, out=dz[0])
        r_slope = np.subtract(1, r)
        r_slope *= r
        if self.reset_after:
            m_h = z[3]
            r_slope *= m_h
            np.multiply(dah, r_slope, out=dz[1])
            np.multiply(dah, r, out=dz[3])
            return None, dh * gate, []
        d_rh = dah @ self.u_h.T
        r_slope *= self.masked_h(s, rows)
        np.multiply(d_rh, r_slope, out=dz[1])
        return d_rh * r, dh * gate, []

    def composed_step(self, x_parts, h_parts, hs, states, recurrent_kernel, recurrent_bias):
        units = recurrent_kernel.shape[0]
        if recurrent_bias is not None and self.reset_after:  # (unused otherwise)
            h_parts = [p + recurrent_bias[g * units:(g + 1) * units]
                       for g, p in enumerate(h_parts)]
        gate = sigmoid(x_parts[0] + h_parts[0])
        r = sigmoid(x_parts[1] + h_parts[1])
        if self.reset_after:
            candidate = tanh(x_parts[2] + r * h_parts[2])
        else:
            candidate = tanh(x_parts[2] + matmul(r * hs[2], recurrent_kernel[:, 2 * units:]))
        return [gate * states[0] + (1 - gate) * candidate]

    def weight_grads(self, dm, dz):
        f, u = self.features, self.units
        grads = [dm[:f, :3 * u]]
        if self.reset_after:
            grads.append(np.concatenate([dm[f + 1:, :2 * u], dm[f + 1:, 3 * u:]], axis=1))
        else:
            steps, batch = dz.shape[:2]
            du_h = self.rh.reshape(steps * batch, u).T @ dz[:, :, 2 * u:].reshape(steps * batch, u)
            grads.append(np.concatenate([dm[f + 1:, :2 * u], du_h], axis=1))
        if self.has_bias:
            grads.append(dm[f, :3 * u])
        if self.has_recurrent_bias:
            grads.append(np.concatenate([dm[f, :2 * u], dm[f, 3 * u:]]))
        return grads


# ---- functional forms (listed in primitives.PRIMITIVES) ----------------------------------------
def _apply(fn, x, kernel, recurrent_kernel, bias, recurrent_bias, states):
    fn.has_bias, fn.has_recurrent_bias = bias is not None, recurrent_bias is not None
    inputs = [x, kernel, recurrent_kernel] + [w for w in (bias, recurrent_bias)
                                              if w is not None] + list(states)
    fn.record = grad_mode.is_grad_enabled() and any(
        isinstance(t, Tensor) and t.requires_grad for t in inputs)
    return fn(*inputs)


@primitive
def simple_rnn_recurrence(x, kernel, recurrent_kernel, bias, h0, activation="tanh",
                          go_backwards=False, mask=None, recurrent_dropout_mask=None,
                          return_sequences=True):
    """SimpleRNN over all timesteps: (batch, time + 1, units) = outputs, then final h
    (only the last output with ``return_sequences=False``)."""
    fn = SimpleRNNRecurrence(activation, go_backwards=go_backwards, mask=mask,
                             recurrent_dropout_mask=recurrent_dropout_mask,
                             return_sequences=return_sequences)
    return _apply(fn, x, kernel, recurrent_kernel, bias, None, [h0])


@primitive
def lstm_recurrence(x, kernel, recurrent_kernel, bias, h0, c0, go_backwards=False, mask=None,
                    recurrent_dropout_mask=None, return_sequences=True, dropout_masks=None):
    """LSTM over all timesteps: (batch, time + 2, units) = outputs, then final h and c
    (only the last output with ``return_sequences=False``)."""
    fn = LSTMRecurrence(go_backwards=go_backwards, mask=mask,
                        recurrent_dropout_mask=recurrent_dropout_mask,
                        return_sequences=return_sequences, dropout_masks=dropout_masks)
    return _apply(fn, x, kernel, recurrent_kernel, bias, None, [h0, c0])


@primitive
def gru_recurrence(x, kernel, recurrent_kernel, bias, recurrent_bias, h0, reset_after=True,
                   go_backwards=False, mask=None, recurrent_dropout_mask=None,
                   return_sequences=True, dropout_masks=None):
    """GRU over all timesteps: (batch, time + 1, units) = outputs, then final h (only the
    last output with ``return_sequences=False``).

    ``recurrent_bias`` is used only with ``reset_after`` (pass None otherwise)."""
    if recurrent_bias is not None and not reset_after:
        raise ValueError("gru_recurrence: a `recurrent_bias` is used only with "
                         "reset_after=True (without it the GRU has one bias). Received a "
                         f"recurrent_bias of shape {tuple(recurrent_bias.shape)} with "
                         "reset_after=False.")
    fn = GRURecurrence(reset_after, go_backwards=go_backwards, mask=mask,
                       recurrent_dropout_mask=recurrent_dropout_mask,
                       return_sequences=return_sequences, dropout_masks=dropout_masks)
    return _apply(fn, x, kernel, recurrent_kernel, bias, recurrent_bias, [h0])
