"""Rprop: resilient backpropagation, per-coordinate step sizes adapted from the signs of
successive gradients.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.Rprop([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000], requires_grad=True)
"""
import numpy as np

from .adam import restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """PyTorch's Rprop: the step size grows by ``etaplus`` where the gradient kept its sign,
    shrinks by ``etaminus`` where it flipped (and that coordinate's gradient is then taken as
    0), clamped to ``step_sizes``; ``p -= sign(g) * step_size``."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        restore_tensor_steps(self)

    def step(self, closure=None):
        """One Rprop step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["prev"] = state_like(p)
                    lr = scalar(group["lr"])
                    state["step_size"] = state_like(g, complex(lr, lr) if p.is_complex()
                                                    else lr)
                check_capturable(p, group)
                bump_step(state["step"])
                pr = real_view(arr(p))
                d = real_view(directed_grad(g, group["maximize"]))
                prev = real_view(arr(state["prev"]))
                step_size = real_view(arr(state["step_size"]))
                sign = np.sign(d * prev)
                factor = np.where(sign > 0, sign.dtype.type(etaplus),
                                  np.where(sign < 0, sign.dtype.type(etaminus),
                                           sign.dtype.type(1)))
                step_size *= factor
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                d = d.copy()
                d[factor == factor.dtype.type(etaminus)] = 0
                pr -= np.sign(d) * step_size
                prev[...] = d
                p._bump_version()
        return loss
