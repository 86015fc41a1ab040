"""Adagrad: per-coordinate step sizes from the running sum of squared gradients.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.Adagrad([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000], requires_grad=True)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (arr, Optimizer, bump_step, check_fused_flags, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's Adagrad: ``sum += g^2``, ``p -= lr / (1 + (t - 1) lr_decay) * g /
    (sqrt(sum) + eps)``. State exists for every parameter from construction on."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "fused": fused}
        super().__init__(params, defaults)
        if fused:
            self._need_device_dtype_check_for_fused = True
        check_fused_flags(self, fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group, initial_accumulator_value)

    def _init_state(self, p, group, init):
        state = self.state[p]
        state["step"] = new_step(p, bool(group["fused"]), fused=bool(group["fused"]))
        if p.is_complex():
            init = complex(init, init)
        state["sum"] = state_like(p, init)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
            for p in group["params"]:
                st = self.state.get(p, [])
                if len(st) != 0 and not isinstance(st["step"], Tensor):
                    st["step"] = new_step(p, bool(group["fused"]), float(st["step"]),
                                          fused=bool(group["fused"]))

    def share_memory(self):
        """Move every ``sum`` accumulator to shared memory."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def step(self, closure=None):
        """One Adagrad step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            lr = scalar(group["lr"])
            lr_decay = group["lr_decay"]
            weight_decay = group["weight_decay"]
            eps = group["eps"]
            for p, g in self._grads(group):
                if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                    self._check_fused(p)
                    self._need_device_dtype_check_for_fused = False
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p, group, self.defaults["initial_accumulator_value"])
                step = bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                if weight_decay != 0:
                    d = d + pa * weight_decay
                clr = lr / (1 + (step - 1) * lr_decay)
                pr, d = real_view(pa), real_view(d)
                s = real_view(arr(state["sum"]))
                sq = d * d
                s += sq
                std = np.sqrt(s)
                std += eps
                np.divide(d, std, out=std)
                std *= -clr
                pr += std
                p._bump_version()
        return loss
