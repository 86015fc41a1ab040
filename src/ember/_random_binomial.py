"""``ember.binomial(count, prob)``: Binomial samples with PyTorch's CPU stream.

PyTorch's CPU sampler, element by element (row-major order): inversion by summing geometric
waiting times when count * min(p, 1-p) < 10, otherwise Hormann's BTRS transformed rejection,
fed by the generator's double uniforms. Arithmetic that PyTorch does in the tensor's dtype is
done in that dtype here (float32 through NumPy scalars), the rest in double with libm's
functions via ``math`` (bit-identical to PyTorch's).
"""
import math

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, make_tensor
from .random import _gen, _UniformStream, _host, _record_sampler

__all__ = ["binomial"]

# Stirling-series tails log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2] for k <= 9
_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k):
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count, prob, uniform, T):
    geom_sum = 0.0
    num_geom = T(0)
    logprob = float(np.log1p(T(-prob))) if T is np.float32 else math.log1p(-prob)
    while True:
        u = uniform()
        geom = math.ceil((math.log(u) if u > 0 else -math.inf) / logprob)
        geom_sum += geom
        if geom_sum > count:
            break
        num_geom = T(num_geom + T(1))
    return float(num_geom)


def _btrs(count, prob, uniform, T):
    stddev = float(np.sqrt(T(count) * T(prob) * (T(1) - T(prob)))) if T is np.float32 else \
        math.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = float(T(count) * T(prob)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(T(prob) / (T(1) - T(prob)))
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor(float(T(T(count) + T(1)) * T(prob)))
    log = math.log
    while True:
        U = uniform() - 0.5
        V = uniform()
        us = 0.5 - abs(U)
        k = float(T(math.floor((2 * a / us + b) * U + c)))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        V = log(V * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * log((m + 1) / (r * (count - m + 1)))
                 + (count + 1) * log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * log(r * (count - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m)
                 - _stirling_tail(k) - _stirling_tail(count - k))
        if V <= upper:
            return k


def _binomial_one(count, prob, uniform, T):
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if float(T(count) * T(prob)) >= 10.0:
            return _btrs(count, prob, uniform, T)
        return _inversion(count, prob, uniform, T)
    if prob > 0.5:
        q = float(T(1.0) - T(prob))
        if float(T(count) * T(q)) >= 10.0:
            return float(T(count) - T(_btrs(count, q, uniform, T)))
        return float(T(count) - T(_inversion(count, q, uniform, T)))
    return math.nan


def binomial(count, prob, generator=None):
    """Number of successes in ``count`` trials of success probability ``prob``.

    >>> ember.manual_seed(0); ember.binomial(ember.tensor([10., 100.]), ember.tensor([0.5, 0.2]))
    tensor([ 7., 21.])
    """
    for name, t in (("count", count), ("prob", prob)):
        if not isinstance(t, Tensor):
            pos = 1 if name == "count" else 2
            raise TypeError(f"binomial(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {type(t).__name__}")
    dt = count._dtype
    if not dt.is_floating_point:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{dt.scalar_name}")
    if dt not in (D.float32, D.float64):
        raise NotImplementedError(f'"binomial_cpu" not implemented for \'{dt.scalar_name}\'')
    c, p = np.broadcast_arrays(_host(count._array), _host(prob._array).astype(dt.np))
    T = np.float32 if dt is D.float32 else float
    stream = _UniformStream(_gen(generator))
    try:
        vals = [_binomial_one(cv, pv, stream, T)
                for cv, pv in zip(c.reshape(-1).tolist(), p.reshape(-1).tolist())]
    finally:
        stream.close()
    res = np.array(vals, dtype=np.float64).astype(dt.np).reshape(c.shape)
    return _record_sampler("BinomialBackward0", make_tensor(res, dt), (count, prob))
