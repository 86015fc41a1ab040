"""Adadelta: step sizes from running averages of squared gradients and squared updates.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.Adadelta([p])
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p.shape
ember.Size([1])
"""
import numpy as np

from .adam import restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_lr, directed_grad, new_step, real_view,
                        run_closure, scalar, state_like, _CAPTURABLE_DEVICES)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta: ``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g``,
    ``p -= lr * delta``."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
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
        """One Adadelta step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            lr = scalar(group["lr"])
            rho = group["rho"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            pairs = self._grads(group)
            for p, g in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["square_avg"] = state_like(p)
                    state["acc_delta"] = state_like(p)
            if group["capturable"] and any(not p.is_cuda for p, _ in pairs):
                # NOTE: Adadelta's list leaves out xla
                raise AssertionError("If capturable=True, params and state_steps must be on "
                                     f"supported devices: {_CAPTURABLE_DEVICES[:-1]}.")
            for p, g in pairs:
                state = self.state[p]
                bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                if weight_decay != 0:
                    d = d + pa * weight_decay
                dr = real_view(d)
                sq_avg = real_view(arr(state["square_avg"]))
                acc = real_view(arr(state["acc_delta"]))
                sq_avg *= rho
                sq = dr * (1 - rho)
                sq *= dr
                sq_avg += sq
                std = sq_avg + eps
                np.sqrt(std, out=std)
                delta = acc + eps
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= dr
                acc *= rho
                np.multiply(delta, 1 - rho, out=sq)
                sq *= delta
                acc += sq
                pr = real_view(pa)
                pr -= delta * lr
                p._bump_version()
        return loss
