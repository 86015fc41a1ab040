"""ASGD: averaged stochastic gradient descent (Polyak-Ruppert averaging in ``ax``).

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.ASGD([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.8000], requires_grad=True)
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """PyTorch's ASGD: ``p = p (1 - lambd eta) - eta g``; ``eta`` and ``mu`` are float32 state
    tensors by default (their rounding is part of PyTorch's result and kept here)."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                st = self.state.get(p, [])
                if len(st) == 0:
                    continue
                for key in ("step", "eta", "mu"):
                    if not isinstance(st[key], Tensor):
                        st[key] = new_step(p, True, float(st[key]))

    def step(self, closure=None):
        """One ASGD step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            lambd = group["lambd"]
            lr = scalar(group["lr"])
            t0 = group["t0"]
            alpha = group["alpha"]
            weight_decay = group["weight_decay"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, True)
                    state["eta"] = new_step(p, True, float(lr))
                    state["mu"] = new_step(p, True, 1.0)
                    state["ax"] = state_like(p)
                check_capturable(p, group, "params, mus, etas, and state_steps")
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                step = bump_step(state["step"])
                if weight_decay != 0:
                    d = d + pa * weight_decay
                pr, d = real_view(pa), real_view(d)
                ax = real_view(arr(state["ax"]))
                eta_a, mu_a = state["eta"]._array, state["mu"]._array
                eta = float(eta_a)
                pr *= 1 - lambd * eta
                pr -= d * eta
                mu = float(mu_a)
                if mu != 1:
                    diff = pr - ax
                    diff *= mu
                    ax += diff
                else:
                    ax[...] = pr
                # NOTE: the new values pass through a default-dtype tensor (float32) before
                # landing in eta and mu, whatever their own dtype, as in PyTorch
                rounding = D.get_default_dtype().np.type
                eta_a[...] = rounding(lr / ((1 + lambd * lr * step) ** alpha))
                mu_a[...] = rounding(1 / max(1, step - t0))
                state["eta"]._bump_version()
                state["mu"]._bump_version()
                p._bump_version()
        return loss
