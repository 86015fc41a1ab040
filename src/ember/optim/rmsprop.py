"""RMSprop: gradient scaled by a running root-mean-square, optionally centered and with
momentum.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.RMSprop([p], lr=0.01)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000], requires_grad=True)
"""
import numpy as np

from .adam import restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like, lerp_,
                        addcmul_)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop: ``v = alpha v + (1 - alpha) g^2``; ``avg = sqrt(v - gbar^2)`` when
    centered; ``buf = momentum buf + g / (avg + eps)`` or ``p -= lr g / (avg + eps)``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        restore_tensor_steps(self)

    def step(self, closure=None):
        """One RMSprop step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            lr = scalar(group["lr"])
            alpha = group["alpha"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            momentum = group["momentum"]
            centered = group["centered"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["square_avg"] = state_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = state_like(p)
                    if centered:
                        state["grad_avg"] = state_like(p)
                check_capturable(p, group)
                bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                if weight_decay != 0:
                    d = d + pa * weight_decay
                pr, d = real_view(pa), real_view(d)
                v = real_view(arr(state["square_avg"]))
                v *= alpha
                sq = addcmul_(v, d, d, 1 - alpha)
                if centered:
                    ga = real_view(arr(state["grad_avg"]))
                    lerp_(ga, d, 1 - alpha)
                    np.multiply(ga, -1, out=sq)
                    sq *= ga
                    avg = v + sq
                    np.sqrt(avg, out=avg)
                else:
                    avg = np.sqrt(v)
                avg += eps
                if momentum > 0:
                    buf = real_view(arr(state["momentum_buffer"]))
                    buf *= momentum
                    np.divide(d, avg, out=avg)
                    buf += avg
                    pr -= buf * lr
                else:
                    np.divide(d, avg, out=avg)
                    avg *= -lr
                    pr += avg
                p._bump_version()
        return loss
