"""Cache-blocked row-wise kernels: softmax and log_softmax over the last axis of a C-contiguous
2-D array, forward and backward.

NOTE: why blocked: each kernel makes four or five passes over its data; over a whole
attention-score or logits array (megabytes) every pass streams from memory, over a block of
rows that fits in L2 (``ROW_BLOCK_BYTES``) the later passes hit cache, ~2x faster. The
operations and their order are the whole-array ones (row sums reduce a row at a time either
way), so results are bit-identical to the unblocked expressions.

>>> import numpy as np
>>> from ember._ops.row_kernels import softmax_rows
>>> softmax_rows(np.zeros((2, 2), np.float32))
array([[0.5, 0.5],
       [0.5, 0.5]], dtype=float32)
"""
import numpy as np

ROW_BLOCK_BYTES = 1 << 18

_max = np.maximum.reduce
_sum = np.add.reduce


def row_step(x2):
    """How many rows of the 2-D array ``x2`` make one block."""
    return max(1, ROW_BLOCK_BYTES // max(1, x2.shape[1] * x2.itemsize))


def blockable(*arrays):
    """True when every array is 2-D, C-contiguous, of the first one's shape and dtype, and
    large enough for blocking to pay."""
    a = arrays[0]
    if a.ndim != 2 or a.shape[1] == 0 or a.nbytes <= ROW_BLOCK_BYTES:
        return False
    for b in arrays:
        if b.shape != a.shape or b.dtype != a.dtype or not b.flags.c_contiguous:
            return False
    return True


def softmax_rows(x2):
    """``exp(x - max) / sum(exp(x - max))`` along the rows of a 2-D array."""
    out = np.empty_like(x2)
    step = row_step(x2)
    for i in range(0, x2.shape[0], step):
        xb, ob = x2[i:i + step], out[i:i + step]
        np.subtract(xb, _max(xb, axis=1, keepdims=True), out=ob)
        np.exp(ob, out=ob)
        ob /= _sum(ob, axis=1, keepdims=True)
    return out


def log_softmax_rows(x2):
    """``(x - max) - log(sum(exp(x - max)))`` along the rows of a 2-D array."""
    out = np.empty_like(x2)
    step = row_step(x2)
    tmp = np.empty((min(step, x2.shape[0]), x2.shape[1]), x2.dtype)
    for i in range(0, x2.shape[0], step):
        xb, ob = x2[i:i + step], out[i:i + step]
        tb = tmp[:xb.shape[0]]
        np.subtract(xb, _max(xb, axis=1, keepdims=True), out=ob)
        np.exp(ob, out=tb)
        ob -= np.log(_sum(tb, axis=1, keepdims=True))
    return out


def softmax_grad_rows(y2, g2):
    """``y * (g - sum(g * y))`` along the rows (softmax's backward from its output)."""
    out = np.empty_like(y2)
    step = row_step(y2)
    for i in range(0, y2.shape[0], step):
        yb, gb, ob = y2[i:i + step], g2[i:i + step], out[i:i + step]
        np.multiply(gb, yb, out=ob)
        s = _sum(ob, axis=1, keepdims=True)
        np.subtract(gb, s, out=ob)
        ob *= yb
    return out


def log_softmax_grad_rows(y2, g2):
    """``g - exp(y) * sum(g)`` along the rows (log_softmax's backward from its output)."""
    out = np.empty_like(y2)
    step = row_step(y2)
    for i in range(0, y2.shape[0], step):
        yb, gb, ob = y2[i:i + step], g2[i:i + step], out[i:i + step]
        s = _sum(gb, axis=1, keepdims=True)
        np.exp(yb, out=ob)
        ob *= s
        np.subtract(gb, ob, out=ob)
    return out
