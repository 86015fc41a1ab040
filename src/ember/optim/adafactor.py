"""Adafactor: Adam-like steps with a factored second moment (row and column means of the
squared gradient for matrices), a relative step size and update clipping; PyTorch's variant
(no first moment).

>>> p = ember.nn.Parameter(ember.ones(2, 2))
>>> opt = ember.optim.Adafactor([p], lr=0.01)
>>> p.grad = ember.ones(2, 2)
>>> opt.step()
>>> p
Parameter containing:
tensor([[0.9900, 0.9900],
        [0.9900, 0.9900]], requires_grad=True)
"""
import numpy as np

from .adam import restore_tensor_steps
from .optimizer import (Optimizer, arr, bump_step, lerp_, new_step, run_closure, scalar,
                        state_like)

__all__ = ["Adafactor"]


def _rms(a):
    """The root mean square of array ``a`` (computed in its own precision)."""
    return float(np.sqrt(np.sum(np.square(a), dtype=a.dtype))) / (a.size ** 0.5)


class Adafactor(Optimizer):
    """PyTorch's Adafactor: ``beta2_t = 1 - t^beta2_decay``, step size ``max(eps2, RMS(p)) *
    min(lr, 1/sqrt(t))``, update ``g / sqrt(V)`` clipped to RMS ``d``."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        from .._tensor import Tensor
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
        restore_tensor_steps(self)

    def step(self, closure=None):
        """One Adafactor step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            lr = float(scalar(group["lr"]))
            eps1, eps2 = group["eps"]
            decay, d, wd = group["beta2_decay"], group["d"], group["weight_decay"]
            for p, g in self._grads(group):
                if p.dtype.is_complex:
                    raise RuntimeError("Adafactor does not support complex parameters")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p)
                    if g.dim() > 1:
                        state["row_var"] = g.new_zeros(tuple(g.shape[:-1]) + (1,))
                        state["col_var"] = g.new_zeros(tuple(g.shape[:-2]) + (1, g.shape[-1]))
                    else:
                        state["variance"] = state_like(g)
                pa = arr(p)
                ga = -arr(g) if group["maximize"] else arr(g)
                if eps1 is None:
                    # (PyTorch fixes it from the first parameter of the group it sees)
                    eps1 = float(np.finfo(pa.dtype).eps)
                t = bump_step(state["step"])
                w = t ** decay
                rho = min(lr, 1 / (t ** 0.5))
                alpha = max(eps2, _rms(pa)) * rho
                if wd != 0:
                    pa *= 1 - lr * wd
                if g.dim() > 1:
                    row = state["row_var"]._array
                    col = state["col_var"]._array
                    sq = np.square(ga)
                    lerp_(row, np.mean(sq, axis=-1, keepdims=True, dtype=sq.dtype), w)
                    lerp_(col, np.mean(sq, axis=-2, keepdims=True, dtype=sq.dtype), w)
                    est = np.matmul(row, col)
                    est /= np.maximum(np.mean(row, axis=-2, keepdims=True, dtype=row.dtype),
                                      eps1)
                else:
                    var = arr(state["variance"])
                    lerp_(var, np.square(ga), w)
                    est = var.copy()
                update = 1 / np.sqrt(np.maximum(est, eps1 * eps1))
                update *= ga
                denom = max(1.0, _rms(update) / d)
                pa -= (update * (alpha / denom)).astype(pa.dtype)
                p._bump_version()
        return loss
