"""Recurrent networks: the cells (``ember.lstm_cell`` ...) and the multi-layer loops
(``ember.lstm``, ``ember.gru``, ``ember.rnn_tanh``, ``ember.rnn_relu``) behind ``nn.RNN``,
``nn.LSTM`` and ``nn.GRU``.

Layouts are PyTorch's: LSTM gates i, f, g, o; GRU gates r, z, n with ``b_hn`` inside the reset
product, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

A layer (one direction of one layer) is one autograd node. Its forward projects the input of
every timestep with one matmul, then runs the time loop with one matmul and fused gate math per
step, all on arrays; its backward is a hand-written backpropagation through time on arrays.
Under ``create_graph`` the backward instead re-runs the layer with the differentiable cells
(ember ops) and differentiates that, so double backward is exact.

Sequences are handled in the packed layout throughout: the rows of step ``t`` are the
contiguous block ``data[offset_t : offset_t + batch_sizes[t]]`` (a padded ``(T, B, *)`` input is
the special case of ``T`` equal batch sizes). Packed batches are sorted by decreasing length, so
the sequences alive at a step are always a prefix of the batch.

NOTE: PyTorch's CPU kernels record every per-step op, so their output's ``grad_fn`` is the
``StackBackward0`` (padded) or ``CatBackward0`` (packed) that joins the steps, except for
padded float32/bfloat16 LSTMs without projections, which oneDNN runs as one
``MkldnnRnnLayerBackward0`` per layer and direction. A layer node here carries the name
PyTorch's output would show, so printed ``grad_fn``s match; its ``next_functions`` point at the
layer's input, initial states and parameters (in that order) rather than at per-step nodes.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, HALF_FLOATS, needs_grad, record, type_name
from .._tensor import Tensor, make_tensor
from ..autograd.graph import OpNode
from ..autograd.grad_mode import STATE as _GRAD

_FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)


def _work(dt):
    """The NumPy dtype the kernels compute in: float32 for half precision."""
    return np.dtype(np.float32) if dt in HALF_FLOATS else dt.np


def _arr(t, work):
    return None if t is None else t._array.astype(work, copy=False)


def _colsum(a):
    """Column sums of a 2-D array (a vector-matrix product: BLAS beats a pairwise sum)."""
    if a.shape[0] == 0:
        return np.zeros(a.shape[1], a.dtype)
    return np.ones(a.shape[0], a.dtype) @ a


# ---------------------------------------------------------------------------- cells
def _check_cell(input, hx, hidden_size, input_size, which):
    if input.shape[1] != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                           f"{input_size}")
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{which} "
                           f"batch size {hx.shape[0]}")
    if hx.shape[1] != hidden_size:
        raise RuntimeError(f"hidden{which} has inconsistent hidden_size: got {hx.shape[1]}, "
                           f"expected {hidden_size}")


def _linear(x, w, b):
    from .nn_linear import linear
    return linear(x, w, b)


def _cell_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    """One step of a cell in ember ops, in PyTorch's order of operations (differentiable)."""
    from .pointwise_math import sigmoid, tanh, relu
    if mode == "GRU":
        ri, zi, ni = _linear(x, w_ih, b_ih).chunk(3, 1)
        rh, zh, nh = _linear(h, w_hh, b_hh).chunk(3, 1)
        r = sigmoid(rh + ri)
        z = sigmoid(zh + zi)
        n = tanh(ni + nh * r)
        return (h - n) * z + n, None
    gates = _linear(h, w_hh, b_hh) + _linear(x, w_ih, b_ih)
    if mode == "LSTM":
        i, f, g, o = gates.chunk(4, 1)
        cy = sigmoid(f) * c + sigmoid(i) * tanh(g)
        hy = sigmoid(o) * tanh(cy)
        if w_hr is not None:
            hy = hy.matmul(w_hr.t())
        return hy, cy
    return (tanh(gates) if mode == "RNN_TANH" else relu(gates)), None


def _cell(mode, name, input, hx, w_ih, w_hh, b_ih, b_hh):
    for arg, t in (("input", input), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type_name(t)}")
    hs = tuple(hx) if mode == "LSTM" else (hx,)
    for k, h in enumerate(hs):
        _check_cell(input, h, w_hh.shape[1], w_ih.shape[1], k)
    hy, cy = _cell_step(mode, input, hs[0], hs[1] if mode == "LSTM" else None, w_ih, w_hh, b_ih,
                        b_hh)
    return (hy, cy) if mode == "LSTM" else hy


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step, ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    >>> ember.rnn_tanh_cell(ember.ones(1, 2), ember.zeros(1, 1), ember.ones(1, 2),
    ...                     ember.ones(1, 1)).shape
    ember.Size([1, 1])
    """
    return _cell("RNN_TANH", "rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with ReLU, ``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    >>> ember.rnn_relu_cell(ember.ones(1, 2), ember.zeros(1, 1), ember.ones(1, 2),
    ...                     ember.ones(1, 1))
    tensor([[2.]])
    """
    return _cell("RNN_RELU", "rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; ``hx = (h, c)``; gates i, f, g, o stacked in ``w_ih``/``w_hh`` rows.

    >>> h, c = ember.lstm_cell(ember.ones(1, 2), (ember.zeros(1, 1), ember.zeros(1, 1)),
    ...                        ember.ones(4, 2), ember.ones(4, 1))
    >>> h.shape
    ember.Size([1, 1])
    """
    return _cell("LSTM", "lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step; gates r, z, n stacked in ``w_ih``/``w_hh`` rows, ``b_hn`` inside the
    reset product.

    >>> ember.gru_cell(ember.ones(1, 2), ember.zeros(1, 1), ember.ones(3, 2),
    ...                ember.ones(3, 1)).shape
    ember.Size([1, 1])
    """
    return _cell("GRU", "gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


# ---------------------------------------------------------------------------- layer kernels
def _schedule(batch_sizes, reverse):
    """(row start, batch size) of every step, in the order the layer processes them."""
    steps = []
    off = 0
    for bs in batch_sizes:
        steps.append((off, bs))
        off += bs
    return steps[::-1] if reverse else steps


def _lstm_scales(H, work):
    """Per-gate-row scale so that one tanh gives every activation: sigmoid(x) =
    0.5 * tanh(x / 2) + 0.5 (the halving is exact in binary floating point)."""
    s = np.full(4 * H, 0.5, work)
    s[2 * H:3 * H] = 1.0
    shift = np.full(4 * H, 0.5, work)
    shift[2 * H:3 * H] = 0.0
    return s, shift


def _forward_arrays(mode, x, steps, uniform, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, keep):
    """Run one layer on arrays. ``x``: (N, I) rows in packed order; ``h0``/``c0``: (B, *).

    ``uniform``: every step has the whole batch (the state is then last step's output rows).
    Returns (out (N, Hout), hy, cy, saved) where ``saved`` holds what the backward needs
    (only with ``keep``)."""
    work = x.dtype
    N = x.shape[0]
    G = w_ih.shape[0]
    Hout = h0.shape[1]
    h = h0.copy()
    c = c0.copy() if c0 is not None else None
    saved = {}
    if keep:
        HP = np.empty((N, Hout), work)       # hidden state each step started from
        saved["HP"] = HP
    if mode == "LSTM":
        H = G // 4
        s, shift = _lstm_scales(H, work)
        wiT = (w_ih * s[:, None]).T
        whT = np.ascontiguousarray((w_hh * s[:, None]).T)
        A = x @ wiT
        if b_ih is not None:
            A += (b_ih + b_hh) * s
        out = np.empty((N, Hout), work)
        whrT = None if w_hr is None else w_hr.T
        if keep:
            CP = np.empty((N, H), work)
            C = np.empty((N, H), work)
            HC = np.empty((N, H), work) if w_hr is not None else None
            saved.update(A=A, CP=CP, C=C, HC=HC)
        for r0, bs in steps:
            r1 = r0 + bs
            g = A[r0:r1]
            hb = h[:bs]
            g += hb @ whT
            np.tanh(g, out=g)
            g *= s
            g += shift
            cb = c[:bs]
            if keep:
                HP[r0:r1] = hb
                CP[r0:r1] = cb
            cb *= g[:, H:2 * H]
            cb += g[:, :H] * g[:, 2 * H:3 * H]
            tc = np.tanh(cb)
            if keep:
                C[r0:r1] = cb
            if whrT is None:
                o = np.multiply(g[:, 3 * H:], tc, out=out[r0:r1])
            else:
                hc = np.multiply(g[:, 3 * H:], tc, out=HC[r0:r1] if keep else None)
                o = np.matmul(hc, whrT, out=out[r0:r1])
            if uniform:
                h = o
            else:
                hb[...] = o
    elif mode == "GRU":
        H = G // 3
        s = np.ones(G, work)
        s[:2 * H] = 0.5
        wiT = (w_ih * s[:, None]).T
        whT = np.ascontiguousarray((w_hh * s[:, None]).T)
        A = x @ wiT
        bh = None
        if b_ih is not None:
            A += b_ih * s
            bh = b_hh * s
        out = np.empty((N, H), work)
        if keep:
            HGN = np.empty((N, H), work)
            saved.update(A=A, HGN=HGN)
        for r0, bs in steps:
            r1 = r0 + bs
            a = A[r0:r1]
            hb = h[:bs]
            if keep:
                HP[r0:r1] = hb
            hg = hb @ whT
            if bh is not None:
                hg += bh
            rz = a[:, :2 * H]
            rz += hg[:, :2 * H]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            n = a[:, 2 * H:]
            hn = hg[:, 2 * H:]
            if keep:
                HGN[r0:r1] = hn
            n += rz[:, :H] * hn
            np.tanh(n, out=n)
            o = np.subtract(hb, n, out=out[r0:r1])
            o *= rz[:, H:]
            o += n
            if uniform:
                h = o
            else:
                hb[...] = o
    else:
        relu = mode == "RNN_RELU"
        whT = np.ascontiguousarray(w_hh.T)
        A = x @ w_ih.T
        if b_ih is not None:
            A += b_ih + b_hh
        out = A        # the activations are the output
        for r0, bs in steps:
            r1 = r0 + bs
            a = A[r0:r1]
            hb = h[:bs]
            if keep:
                HP[r0:r1] = hb
            a += hb @ whT
            if relu:
                np.maximum(a, 0, out=a)
            else:
                np.tanh(a, out=a)
            if uniform:
                h = a
            else:
                hb[...] = a
        if keep:
            saved["A"] = A.copy()    # (the output array itself may be edited by the caller)
    hy = np.array(h, copy=True) if uniform else h
    return out, hy, c, saved


def _backward_arrays(mode, x, steps, w_ih, w_hh, w_hr, has_bias, saved, gout, ghy, gcy,
                     need):
    """Backpropagation through time for one layer, on arrays.

    ``gout``: (N, Hout) gradient of the output rows; ``ghy``/``gcy``: of the final states.
    Returns gradients of (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) as arrays (None where not
    needed)."""
    work = x.dtype
    N = x.shape[0]
    G = w_ih.shape[0]
    HP = saved["HP"]
    A = saved["A"]
    dh = np.array(ghy, dtype=work, copy=True)
    dc = np.array(gcy, dtype=work, copy=True) if gcy is not None else None
    dG = np.empty((N, G), work)
    dHG = None
    dHout = None
    rev = steps[::-1]
    B = dh.shape[0]
    dh_buf = np.empty_like(dh)
    # NOTE: the gate derivatives are formed step by step on blocks that stay in cache; forming
    # them for all rows at once first is slower (memory-bound passes over large arrays)
    if mode == "LSTM":
        H = G // 4
        C, CP = saved["C"], saved["CP"]
        tc = np.empty((B, H), work)
        tmp = np.empty((B, H), work)
        deriv = np.empty((B, G), work)
        if w_hr is not None:
            dHout = np.empty((N, w_hr.shape[0]), work)
        for r0, bs in rev:
            r1 = r0 + bs
            a = A[r0:r1]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            t = np.tanh(C[r0:r1], out=tc[:bs])
            dhr = np.add(dh[:bs], gout[r0:r1], out=dh_buf[:bs])
            if w_hr is not None:
                dHout[r0:r1] = dhr
                dhr = dhr @ w_hr
            d = dG[r0:r1]
            np.multiply(dhr, t, out=d[:, 3 * H:])                # d o
            u = np.multiply(t, t, out=tmp[:bs])                  # d c += d h * o * (1 - tc^2)
            np.subtract(1, u, out=u)
            u *= o
            u *= dhr
            dcr = dc[:bs]
            dcr += u
            np.multiply(dcr, g, out=d[:, :H])                    # d i
            np.multiply(dcr, CP[r0:r1], out=d[:, H:2 * H])       # d f
            np.multiply(dcr, i, out=d[:, 2 * H:3 * H])           # d g
            dcr *= f
            sd = np.subtract(1, a, out=deriv[:bs])               # sigmoid': a (1 - a)
            sd *= a
            gd = np.multiply(g, g, out=sd[:, 2 * H:3 * H])       # tanh': 1 - g^2
            np.subtract(1, gd, out=gd)
            d *= sd
            np.matmul(d, w_hh, out=dh[:bs])
    elif mode == "GRU":
        H = G // 3
        HGN = saved["HGN"]
        dHG = np.empty((N, G), work)
        tmp = np.empty((B, H), work)
        for r0, bs in rev:
            r1 = r0 + bs
            a = A[r0:r1]
            r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            dhr = np.add(dh[:bs], gout[r0:r1], out=dh_buf[:bs])
            dx = dG[r0:r1]
            dhg = dHG[r0:r1]
            u = tmp[:bs]
            # h' = n + z (h - n)
            dn = np.subtract(1, z, out=dx[:, 2 * H:])            # d n_pre = dh (1-z)(1-n^2)
            dn *= dhr
            np.multiply(n, n, out=u)
            np.subtract(1, u, out=u)
            dn *= u
            dz = np.subtract(HP[r0:r1], n, out=dx[:, H:2 * H])   # d z_pre = dh (h-n) z(1-z)
            dz *= dhr
            np.subtract(1, z, out=u)
            u *= z
            dz *= u
            np.multiply(dn, r, out=dhg[:, 2 * H:])               # d (W_hn h + b_hn)
            dr = np.multiply(dn, HGN[r0:r1], out=dx[:, :H])      # d r_pre = dn hg_n r(1-r)
            np.subtract(1, r, out=u)
            u *= r
            dr *= u
            dhg[:, :2 * H] = dx[:, :2 * H]
            dhr *= z
            dhr += dhg @ w_hh
            dh[:bs] = dhr
    else:
        relu = mode == "RNN_RELU"
        for r0, bs in rev:
            r1 = r0 + bs
            y = A[r0:r1]
            dpre = np.add(dh[:bs], gout[r0:r1], out=dG[r0:r1])
            if relu:
                dpre *= y > 0
            else:
                u = np.multiply(y, y, out=dh_buf[:bs])
                np.subtract(1, u, out=u)
                dpre *= u
            np.matmul(dpre, w_hh, out=dh[:bs])
    dHG = dG if dHG is None else dHG
    gx = dG @ w_ih if need[0] else None
    gw_ih = dG.T @ x if need[3] else None
    gw_hh = dHG.T @ HP if need[4] else None
    gb_ih = _colsum(dG) if has_bias and need[5] else None
    gb_hh = _colsum(dHG) if has_bias and need[6] else None
    gw_hr = dHout.T @ saved["HC"] if w_hr is not None and need[7] else None
    return gx, dh, dc, gw_ih, gw_hh, gb_ih, gb_hh, gw_hr


# ---------------------------------------------------------------------------- the layer node
def _layer_backward(ctx, grads):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = ctx.inputs
    sv = ctx.saved
    mode, steps = sv["mode"], sv["steps"]
    nf = ctx.next_functions
    need = [nf[k][0] is not None for k in range(8)]
    g_out, g_hy = grads[0], grads[1]
    g_cy = grads[2] if mode == "LSTM" else None
    if _GRAD.enabled:
        return _layer_backward_graph(ctx, g_out, g_hy, g_cy, need)
    work = _work(x._dtype)
    xa = sv["x"]
    go = g_out._array.astype(work, copy=False).reshape(xa.shape[0], -1)
    arrays = {k: sv[k] for k in ("HP", "A", "C", "CP", "HC", "HGN") if k in sv}
    res = _backward_arrays(mode, xa, steps, _arr(w_ih, work), _arr(w_hh, work),
                           _arr(w_hr, work), b_ih is not None, arrays, go,
                           g_hy._array.astype(work, copy=False),
                           None if g_cy is None else g_cy._array.astype(work, copy=False), need)
    out = []
    for k, (t, g) in enumerate(zip(ctx.inputs, res)):
        if g is None or t is None or not need[k]:
            out.append(None)
            continue
        out.append(make_tensor(g.reshape(t.shape).astype(t._dtype.np, copy=False), t._dtype))
    return tuple(out)


def _layer_backward_graph(ctx, g_out, g_hy, g_cy, need):
    """The backward under ``create_graph``: differentiate a re-run of the layer written in
    ember ops, so the gradients are themselves differentiable."""
    from ..autograd.engine import grad
    from ..autograd.grad_mode import enable_grad
    sv = ctx.saved
    inputs = ctx.inputs
    with enable_grad():
        out, hy, cy = _layer_by_cells(sv["mode"], inputs, sv["batch_sizes"], sv["reverse"],
                                      sv["dense"])
        wrt = [t for k, t in enumerate(inputs) if need[k] and t is not None]
        outs, gs = [out, hy], [g_out, g_hy]
        if cy is not None:
            outs.append(cy)
            gs.append(g_cy)
        found = grad(outs, wrt, gs, create_graph=True, allow_unused=True)
    it = iter(found)
    return tuple(next(it) if need[k] and t is not None else None for k, t in enumerate(inputs))


def _layer_by_cells(mode, inputs, batch_sizes, reverse, dense):
    """One layer as a loop of differentiable cells (the reference for the array kernels)."""
    from .shape import cat, stack
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = inputs
    T = len(batch_sizes)
    if dense:
        rows = [x[t] for t in range(T)]
    else:
        rows = []
        off = 0
        for bs in batch_sizes:
            rows.append(x[off:off + bs])
            off += bs
    outs = [None] * T
    h, c = h0, c0
    done_h, done_c = [], []     # final states of sequences that ended (forward direction)
    cur = h0.shape[0]
    if reverse and batch_sizes[-1] < cur:
        cur = batch_sizes[-1]
        h = h0[:cur]
        c = None if c0 is None else c0[:cur]
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        bs = batch_sizes[t]
        if bs < cur:        # forward direction: some sequences ended
            done_h.append(h[bs:])
            h = h[:bs]
            if c is not None:
                done_c.append(c[bs:])
                c = c[:bs]
        elif bs > cur:      # reverse direction: some sequences start
            h = cat([h, h0[cur:bs]])
            if c is not None:
                c = cat([c, c0[cur:bs]])
        cur = bs
        h, c = _cell_step(mode, rows[t], h, c, w_ih, w_hh, b_ih, b_hh, w_hr)
        outs[t] = h
    hy = cat([h] + done_h[::-1]) if done_h else h
    cy = None
    if c0 is not None:
        cy = cat([c] + done_c[::-1]) if done_c else c
    out = stack(outs) if dense else cat(outs)
    return out, hy, cy


def _layer_node_class(name):
    # a private class shown under PyTorch's name (see the module docstring)
    return type(name, (OpNode,), {"__module__": "builtins",
                                  "backward_fn": staticmethod(_layer_backward)})


_DENSE_LAYER = _layer_node_class("StackBackward0")
_PACKED_LAYER = _layer_node_class("CatBackward0")
# PyTorch's CPU LSTM runs padded float32/bfloat16 batches through oneDNN: one node per layer
_ONEDNN_LAYER = _layer_node_class("MkldnnRnnLayerBackward0")


def _layer_node(mode, input, dense, proj):
    if mode == "LSTM" and dense and not proj and input._dtype in (D.float32, D.bfloat16) and \
            input._array.size:
        return _ONEDNN_LAYER
    return _DENSE_LAYER if dense else _PACKED_LAYER


def _run_layer(mode, x, batch_sizes, dense, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse,
               node_cls):
    """One direction of one layer: (output, final h, final c or None) as tensors.

    ``x``: (T, B, I) when ``dense`` else packed rows (N, I); ``batch_sizes``: a list of ints."""
    dt = x._dtype
    work = _work(dt)
    xa = x._array.astype(work, copy=False)
    if dense:
        xa = np.ascontiguousarray(xa).reshape(-1, xa.shape[-1])
    elif not xa.flags.c_contiguous:
        xa = np.ascontiguousarray(xa)
    steps = _schedule(batch_sizes, reverse)
    uniform = dense or all(bs == batch_sizes[0] for bs in batch_sizes)
    inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
    keep = needs_grad(*inputs)
    if keep and xa is x._array:
        xa = xa.copy()      # (saved for the weight gradient: immune to later in-place edits)
    out, hy, cy, saved = _forward_arrays(
        mode, xa, steps, uniform, _arr(h0, work), _arr(c0, work), _arr(w_ih, work),
        _arr(w_hh, work), _arr(b_ih, work), _arr(b_hh, work), _arr(w_hr, work), keep)
    if dense:
        out = out.reshape(x.shape[0], x.shape[1], out.shape[1])
    out_t = make_tensor(out.astype(dt.np, copy=False), dt)
    hy_t = make_tensor(hy.astype(dt.np, copy=False), dt)
    cy_t = None if cy is None else make_tensor(cy.astype(dt.np, copy=False), dt)
    if keep:
        saved.update(mode=mode, steps=steps, dense=dense, batch_sizes=list(batch_sizes),
                     reverse=reverse, x=xa)
        record(node_cls, inputs,
               [out_t, hy_t] if cy_t is None else [out_t, hy_t, cy_t], saved)
    return out_t, hy_t, cy_t


# ---------------------------------------------------------------------------- multi-layer
def _transpose_back(ctx, g):
    return g.transpose(0, 1)


# PyTorch finishes batch-first RNN/GRU outputs with an in-place transpose_ (LSTM: transpose)
_TRANSPOSE_INPLACE = type("TransposeBackward1", (OpNode,), {
    "__module__": "builtins", "saves_inputs": False,
    "backward_fn": staticmethod(_transpose_back)})


def _batch_major(output, mode):
    """The (T, B, H) output as (B, T, H): a strided view, as PyTorch returns it."""
    if mode == "LSTM":
        return output.transpose(0, 1)
    res = make_tensor(output._array.swapaxes(0, 1), output._dtype)
    if needs_grad(output):
        record(_TRANSPOSE_INPLACE, (output,), res)
    return res


def _split_params(params, has_biases, num_layers, num_directions, name):
    params = list(params)
    n = num_layers * num_directions
    per = len(params) // n if n else 0
    if per * n != len(params) or per not in ((4, 5) if has_biases else (2, 3)):
        raise RuntimeError(f"{name}: got an incorrect number of RNN parameters")
    out = []
    for k in range(n):
        p = params[k * per:(k + 1) * per]
        b_ih, b_hh = (p[2], p[3]) if has_biases else (None, None)
        out.append((p[0], p[1], b_ih, b_hh, p[-1] if per in (3, 5) else None))
    return out


def _rnn(mode, name, input, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
         bidirectional, batch_first):
    from .shape import cat, stack
    from .nn_linear import dropout as dropout_fn
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if input._dtype not in _FLOATS:
        raise RuntimeError(f"{name}: expected a floating-point input, got "
                           f"{input._dtype.scalar_name}")
    dirs = 2 if bidirectional else 1
    layers = _split_params(params, has_biases, num_layers, dirs, name)
    dense = batch_sizes is None
    if dense:
        if batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        sizes = [input.shape[1]] * input.shape[0]
    else:
        sizes = [int(v) for v in np.asarray(batch_sizes._array).reshape(-1)]
    if mode == "LSTM":
        hs, cs = hx[0].unbind(0), hx[1].unbind(0)
    else:
        hs, cs = hx.unbind(0), [None] * len(layers)
    layer_input = input
    node_cls = _layer_node(mode, input, dense, layers[0][4] is not None)
    hys, cys = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w_ih, w_hh, b_ih, b_hh, w_hr = layers[k]
            out, hy, cy = _run_layer(mode, layer_input, sizes, dense, hs[k], cs[k], w_ih, w_hh,
                                     b_ih, b_hh, w_hr, d == 1, node_cls)
            outs.append(out)
            hys.append(hy)
            cys.append(cy)
        layer_output = outs[0] if dirs == 1 else cat(outs, out.dim() - 1)
        if dropout != 0 and train and layer < num_layers - 1:
            layer_output = dropout_fn(layer_output, dropout, True)
        layer_input = layer_output
    output = layer_input
    if dense and batch_first:
        output = _batch_major(output, mode)
    if mode == "LSTM":
        return output, stack(hys, 0), stack(cys, 0)
    return output, stack(hys, 0)


def _rnn_entry(mode, name):
    def fn(input, *args):
        # the two overloads of PyTorch's _VF functions:
        #   (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
        #   (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)
        if len(args) != 8:
            raise TypeError(f"{name}() takes 9 arguments ({len(args) + 1} given)")
        if not isinstance(args[2], bool):    # (padded: has_biases; packed: params)
            batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
            batch_first = False
        else:
            hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
            batch_sizes = None
        return _rnn(mode, name, input, batch_sizes, hx, params, has_biases, num_layers,
                    float(dropout), train, bidirectional, batch_first)
    fn.__name__ = fn.__qualname__ = name
    return fn


lstm = _rnn_entry("LSTM", "lstm")
lstm.__doc__ = """A multi-layer LSTM over a (T, B, I) input (or packed ``data, batch_sizes``);
returns ``(output, h_n, c_n)``. ``params``: per layer and direction ``w_ih, w_hh[, b_ih, b_hh]
[, w_hr]``.

>>> w = [ember.ones(4, 2), ember.ones(4, 1), ember.zeros(4), ember.zeros(4)]
>>> h0 = (ember.zeros(1, 3, 1), ember.zeros(1, 3, 1))
>>> ember.lstm(ember.ones(5, 3, 2), h0, w, True, 1, 0.0, False, False, False)[0].shape
ember.Size([5, 3, 1])
"""
gru = _rnn_entry("GRU", "gru")
gru.__doc__ = """A multi-layer GRU; returns ``(output, h_n)`` (see ``ember.lstm``).

>>> w = [ember.ones(3, 2), ember.ones(3, 1)]
>>> ember.gru(ember.ones(5, 3, 2), ember.zeros(1, 3, 1), w, False, 1, 0.0, False, False,
...           False)[1].shape
ember.Size([1, 3, 1])
"""
rnn_tanh = _rnn_entry("RNN_TANH", "rnn_tanh")
rnn_tanh.__doc__ = """A multi-layer Elman RNN with tanh; returns ``(output, h_n)``.

>>> w = [ember.ones(1, 2), ember.ones(1, 1)]
>>> ember.rnn_tanh(ember.ones(5, 3, 2), ember.zeros(1, 3, 1), w, False, 1, 0.0, False, False,
...                False)[0].shape
ember.Size([5, 3, 1])
"""
rnn_relu = _rnn_entry("RNN_RELU", "rnn_relu")
rnn_relu.__doc__ = """A multi-layer Elman RNN with ReLU; returns ``(output, h_n)``.

>>> w = [ember.ones(1, 2), ember.ones(1, 1)]
>>> ember.rnn_relu(ember.ones(5, 3, 2), ember.zeros(1, 3, 1), w, False, 1, 0.0, False, False,
...                False)[0].shape
ember.Size([5, 3, 1])
"""

FUNCTIONS.update(lstm=lstm, gru=gru, rnn_tanh=rnn_tanh, rnn_relu=rnn_relu, lstm_cell=lstm_cell,
                 gru_cell=gru_cell, rnn_tanh_cell=rnn_tanh_cell, rnn_relu_cell=rnn_relu_cell)
