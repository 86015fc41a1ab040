"""Adam (and, with ``decoupled_weight_decay``, AdamW): moment estimates with bias correction,
optional AMSGrad.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.Adam([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000], requires_grad=True)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_fused_flags, check_lr,
                        directed_grad, new_step, real_view, run_closure, scalar, state_like,
                        _scalar_dtype, lerp_)

__all__ = ["Adam"]


def check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def check_eps_wd(eps, weight_decay):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def restore_tensor_steps(opt, keys=("step",), fused_key=None):
    """``__setstate__`` of old checkpoints: counters saved as Python numbers become 0-d
    tensors."""
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p, [])
            if len(st) == 0:
                continue
            for key in keys:
                if key in st and not isinstance(st[key], Tensor):
                    fused = bool(fused_key and group.get(fused_key))
                    st[key] = new_step(p, group.get("capturable") or fused, float(st[key]),
                                       fused=fused)


class Adam(Optimizer):
    """PyTorch's Adam: ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 v + (1 - beta2) g^2``,
    ``p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() != 0 else b
                      for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
        check_fused_flags(self, fused, foreach, False)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
        restore_tensor_steps(self, fused_key="fused")

    def step(self, closure=None):
        """One Adam step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (scalar(b) for b in group["betas"])
            lr = scalar(group["lr"])
            weight_decay = scalar(group["weight_decay"])
            eps = group["eps"]
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            fused = group["fused"]
            on_device = group["capturable"] or fused
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    if fused:
                        self._check_fused(p)
                    state["step"] = new_step(p, on_device, fused=fused)
                    state["exp_avg"] = state_like(p)
                    state["exp_avg_sq"] = state_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = state_like(p)
                if group["foreach"] and isinstance(group["lr"], Tensor) and \
                        not group["capturable"]:
                    raise RuntimeError("lr as a Tensor is not supported for capturable=False "
                                       "and foreach=True")
                check_capturable(p, group)
                step = bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, maximize)
                if weight_decay != 0:
                    if decoupled:
                        pa *= 1 - lr * weight_decay
                    else:
                        d = d + pa * weight_decay
                pr, d = real_view(pa), real_view(d)
                m = real_view(arr(state["exp_avg"]))
                v = real_view(arr(state["exp_avg_sq"]))
                tmp = lerp_(m, d, 1 - beta1)   # (its scratch serves every later temporary)
                v *= beta2
                np.multiply(d, 1 - beta2, out=tmp)
                tmp *= d
                v += tmp
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2 ** 0.5
                if amsgrad:
                    mx = real_view(arr(state["max_exp_avg_sq"]))
                    np.maximum(mx, v, out=mx)
                    np.sqrt(mx, out=tmp)
                else:
                    np.sqrt(v, out=tmp)
                tmp /= bias_correction2_sqrt
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= -step_size
                pr += tmp
                p._bump_version()
        return loss
