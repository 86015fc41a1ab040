"""RAdam: Adam with the variance of the adaptive learning rate rectified (Liu et al.).

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.RAdam([p], lr=0.1)
>>> p.grad = ember.tensor([2.0])
>>> opt.step()
>>> p
Parameter containing:
tensor([0.8000], requires_grad=True)
"""
import numpy as np

from .adam import check_betas, restore_tensor_steps
from .optimizer import (arr, Optimizer, bump_step, check_capturable, check_lr, directed_grad,
                        new_step, real_view, run_closure, scalar, state_like, lerp_,
                        addcmul_)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """PyTorch's RAdam: while ``rho_t <= 5`` the step is SGD with bias-corrected momentum;
    after it, Adam's step times the rectification term."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)
        restore_tensor_steps(self)

    def step(self, closure=None):
        """One RAdam step over every parameter that has a gradient."""
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = scalar(group["lr"])
            weight_decay = group["weight_decay"]
            eps = group["eps"]
            for p, g in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step(p, group["capturable"])
                    state["exp_avg"] = state_like(p)
                    state["exp_avg_sq"] = state_like(p)
                check_capturable(p, group)
                pa = arr(p)
                d = directed_grad(g, group["maximize"])
                step = bump_step(state["step"])
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        pa *= 1 - lr * weight_decay
                    else:
                        d = d + pa * weight_decay
                pr, d = real_view(pa), real_view(d)
                m = real_view(arr(state["exp_avg"]))
                v = real_view(arr(state["exp_avg_sq"]))
                lerp_(m, d, 1 - beta1)
                v *= beta2
                addcmul_(v, d, d, 1 - beta2)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                upd = m / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                upd *= lr
                if rho_t > 5.0:
                    adaptive = np.sqrt(v)
                    adaptive += eps
                    np.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
                    upd *= adaptive
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    upd *= rect
                pr -= upd
                p._bump_version()
        return loss
