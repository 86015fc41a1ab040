"""Classical orthogonal polynomials p_n(x) on float64 NumPy arrays, the way PyTorch's kernels
evaluate them: ``n`` is truncated to an integer, negative degrees give 0, the endpoints take
their exact values, high degrees inside (-1, 1) use the trigonometric closed forms, and the rest
the three-term recurrence (run for each element up to its own degree).

Chebyshev T, U, V, W (and the shifted ones on [0, 1]), Hermite H (physicists') and He
(probabilists'), Laguerre L and Legendre P.
"""
import numpy as np


def _prepare(x, n):
    x, n = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(n, np.float64))
    shape = x.shape
    x = x.reshape(-1).copy()
    with np.errstate(invalid="ignore"):
        # NOTE: PyTorch casts the degree to int64 (truncation; nan and huge values give the
        # int64 minimum, a negative degree)
        k = np.where(np.isfinite(n.reshape(-1)) & (np.abs(n.reshape(-1)) < 2.0 ** 62),
                     np.trunc(n.reshape(-1)), -1.0).astype(np.int64)
    return x, k, shape


def _recurrence(x, k, p0, p1, step, skip=None):
    """p_k(x) from p_0, p_1 and ``step(j, x, p_{j-1}, p_j) -> p_{j+1}``, per element degree
    (elements in ``skip`` are left to the caller)."""
    out = np.where(k == 0, p0, p1)
    need = k >= 2
    if skip is not None:
        need &= ~skip
    idx = np.nonzero(need)[0]
    if not idx.size:
        return out
    xs, ks = x[idx], k[idx]
    p, q = np.broadcast_to(p0, x.shape)[idx].copy(), p1[idx].copy()
    j = 1
    res = q.copy()
    live = np.arange(idx.size)
    while live.size:
        r = step(j, xs[live], p[live], q[live])
        p[live], q[live] = q[live], r
        j += 1
        done = ks[live] == j
        res[live[done]] = r[done]
        live = live[~done]
    out[idx] = res
    return out


def _finish(out, k, shape):
    out[k < 0] = 0.0
    return out.reshape(shape)


def _even(k):
    return k % 2 == 0


def chebyshev_t(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        trig = (k > 6) & (np.abs(x) < 1)
        out = _recurrence(x, k, np.ones_like(x), x.copy(), lambda j, x, p, q: (x + x) * q - p,
                          trig)
        out[trig] = np.cos(k[trig] * np.arccos(x[trig]))
    end = np.abs(x) == 1
    out[end] = np.where((x[end] > 0) | _even(k[end]), 1.0, -1.0)
    return _finish(out, k, shape)


def _sin_ratio(x, k):
    """sin((k + 1) theta) / sin(theta) at theta = acos(x) (U's trigonometric form)."""
    t = np.arccos(x)
    s = np.sin(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s != 0, np.sin((k + 1) * t) / s, (k + 1) * np.cos((k + 1) * t) / x)


def chebyshev_u(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        trig = (k > 8) & (np.abs(x) < 1)
        out = _recurrence(x, k, np.ones_like(x), x + x, lambda j, x, p, q: (x + x) * q - p,
                          trig)
        out[trig] = _sin_ratio(x[trig], k[trig])
    end = np.abs(x) == 1
    kk = k[end] + 1.0
    out[end] = np.where((x[end] > 0) | _even(k[end]), kk, -kk)
    return _finish(out, k, shape)


def _v_trig(x, k):
    t = np.arccos(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.sin(t / 2) != 1, np.cos((k + 0.5) * t) / np.cos(t / 2),
                        np.where(_even(k), 2.0 * k + 1, -(2.0 * k + 1)))


def _w_trig(x, k):
    t = np.arccos(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.cos(t / 2) != 1, np.sin((k + 0.5) * t) / np.sin(t / 2),
                        np.where(x > 0, 2.0 * k + 1, np.where(_even(k), 1.0, -1.0)))


def chebyshev_v(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        trig = (k > 8) & (np.abs(x) < 1)
        out = _recurrence(x, k, np.ones_like(x), x + x - 1, lambda j, x, p, q: (x + x) * q - p,
                          trig)
        out[trig] = _v_trig(x[trig], k[trig])
    end = np.abs(x) == 1
    kk = 2.0 * k[end] + 1
    out[end] = np.where(x[end] > 0, 1.0, np.where(_even(k[end]), kk, -kk))
    return _finish(out, k, shape)


def chebyshev_w(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        trig = (k > 8) & (np.abs(x) < 1)
        out = _recurrence(x, k, np.ones_like(x), x + x + 1, lambda j, x, p, q: (x + x) * q - p,
                          trig)
        out[trig] = _w_trig(x[trig], k[trig])
    end = np.abs(x) == 1
    kk = 2.0 * k[end] + 1
    out[end] = np.where(x[end] > 0, kk, np.where(_even(k[end]), 1.0, -1.0))
    return _finish(out, k, shape)


def _shifted(poly, one_value, zero_value):
    """p*(x) = p(2x - 1), with the endpoint values at x = 1 and x = 0 given exactly."""
    def kernel(x, n):
        x, k, shape = _prepare(x, n)
        out = poly(x + x - 1, k).reshape(-1)
        at1, at0 = x == 1, x == 0
        out[at1] = one_value(k[at1])
        out[at0] = zero_value(k[at0])
        return _finish(out, k, shape)
    return kernel


shifted_chebyshev_t = _shifted(chebyshev_t, lambda k: 1.0,
                               lambda k: np.where(_even(k), 1.0, -1.0))
shifted_chebyshev_u = _shifted(chebyshev_u, lambda k: k + 1.0,
                               lambda k: np.where(_even(k), k + 1.0, -(k + 1.0)))
shifted_chebyshev_v = _shifted(chebyshev_v, lambda k: 1.0,
                               lambda k: np.where(_even(k), 2.0 * k + 1, -(2.0 * k + 1)))
shifted_chebyshev_w = _shifted(chebyshev_w, lambda k: 2.0 * k + 1,
                               lambda k: np.where(_even(k), 1.0, -1.0))


def hermite_h(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _recurrence(x, k, np.ones_like(x), x + x,
                          lambda j, x, p, q: (x + x) * q - (2 * j) * p)
    return _finish(out, k, shape)


def hermite_he(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _recurrence(x, k, np.ones_like(x), x.copy(), lambda j, x, p, q: x * q - j * p)
    return _finish(out, k, shape)


def laguerre_l(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _recurrence(x, k, np.ones_like(x), 1 - x,
                          lambda j, x, p, q: ((2 * j + (1 - x)) * q - j * p) / (j + 1))
    out[x == 0] = 1.0
    return _finish(out, k, shape)


def legendre_p(x, n):
    x, k, shape = _prepare(x, n)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _recurrence(x, k, np.ones_like(x), x.copy(),
                          lambda j, x, p, q: ((2 * j + 1) * x * q - j * p) / (j + 1))
    end = np.abs(x) == 1
    out[end] = np.where((x[end] > 0) | _even(k[end]), 1.0, -1.0)
    return _finish(out, k, shape)
