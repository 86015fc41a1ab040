"""Adamax: Adam with the infinity norm in place of the second moment.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.Adamax([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000], requires_grad=True)
"""
import numpy as np

from .adam import check_betas, check_eps_wd, restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like, lerp_)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax: ``u = max(beta2 u, |g| + eps)``, ``p -= lr / (1 - beta1^t) * m / u``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        check_eps_wd(eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
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
        """One Adamax step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            lr = scalar(group["lr"])
            weight_decay = group["weight_decay"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["exp_avg"] = state_like(p)
                    state["exp_inf"] = state_like(p)
                check_capturable(p, group)
                step = bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                if weight_decay != 0:
                    d = d + pa * weight_decay
                pr, d = real_view(pa), real_view(d)
                m = real_view(arr(state["exp_avg"]))
                u = real_view(arr(state["exp_inf"]))
                lerp_(m, d, 1 - beta1)
                u *= beta2
                norm = np.abs(d)
                norm += eps
                np.maximum(u, norm, out=u)
                clr = lr / (1 - beta1 ** step)
                np.divide(m, u, out=norm)
                norm *= -clr
                pr += norm
                p._bump_version()
        return loss
