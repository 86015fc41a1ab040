"""NAdam: Adam with Nesterov momentum (Dozat), with PyTorch's momentum-decay schedule.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.NAdam([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p.shape
ember.Size([1])
"""
import numpy as np

from .adam import check_betas, restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like, lerp_,
                        addcmul_)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """PyTorch's NAdam: ``mu_t = beta1 (1 - 0.5 * 0.96^(t psi))``; the running product of the
    ``mu_t`` is a float32 state tensor, as in PyTorch (its rounding is part of the result)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
        restore_tensor_steps(self, keys=("step", "mu_product"))

    def step(self, closure=None):
        """One NAdam step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = scalar(group["lr"])
            weight_decay = group["weight_decay"]
            eps = group["eps"]
            momentum_decay = group["momentum_decay"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["mu_product"] = new_step(p, group["capturable"], 1.0)
                    state["exp_avg"] = state_like(p)
                    state["exp_avg_sq"] = state_like(p)
                check_capturable(p, group, "params, mu_products and state_steps")
                step = bump_step(state["step"])
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                bias_correction2 = 1 - beta2 ** step
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        pa *= 1 - lr * weight_decay
                    else:
                        d = d + pa * weight_decay
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                # NOTE: the product is kept in the counter's dtype (float32 by default) and
                # multiplied there, as PyTorch's in-place tensor *= float does
                mp = state["mu_product"]._array
                mp *= mp.dtype.type(mu)
                state["mu_product"]._bump_version()
                mu_product = float(mp)
                pr, d = real_view(pa), real_view(d)
                m = real_view(arr(state["exp_avg"]))
                v = real_view(arr(state["exp_avg_sq"]))
                lerp_(m, d, 1 - beta1)
                v *= beta2
                addcmul_(v, d, d, 1 - beta2)
                denom = v / bias_correction2
                np.sqrt(denom, out=denom)
                mu_product_next = mu_product * mu_next
                denom += eps
                upd = d / denom
                upd *= -lr * (1.0 - mu) / (1.0 - mu_product)
                pr += upd
                np.divide(m, denom, out=upd)
                upd *= (-lr * mu_next) / (1.0 - mu_product_next)
                pr += upd
                p._bump_version()
        return loss
