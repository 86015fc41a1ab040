"""SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

>>> p = ember.nn.Parameter(ember.tensor([1.0]))
>>> opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
>>> p.grad = ember.tensor([1.0])
>>> opt.step(); opt.step()
>>> p
Parameter containing:
tensor([0.7100], requires_grad=True)
"""
import numpy as np

from .optimizer import arr, Optimizer, check_fused_flags, check_lr, run_closure, scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD: ``buf = momentum * buf + (1 - dampening) * g`` (the first step copies
    ``g``), the step uses ``buf`` (or ``g + momentum * buf`` with ``nesterov``)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            self._need_device_dtype_check_for_fused = True
        check_fused_flags(self, fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """One SGD step over every parameter that has a gradient."""
        loss = run_closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = scalar(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            weight_decay = scalar(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                g = p._grad if p._grad_fn is None else p.grad
                if g is None:
                    continue
                if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                    self._check_fused(p)
                    self._need_device_dtype_check_for_fused = False
                pa = p._array
                if not pa.ndim:
                    pa = pa.reshape(1)
                d = g._array
                if not d.ndim:
                    d = d.reshape(1)
                if maximize:
                    d = -d
                scratch = None
                if weight_decay != 0:
                    # d + pa * wd as one fresh array (addition commutes exactly), which is
                    # also the scratch array of the update below
                    scratch = pa * weight_decay
                    scratch += d
                    d = scratch
                if momentum != 0:
                    st = state[p]
                    buf = st.get("momentum_buffer")
                    if buf is None:
                        # the first step's buffer is the (decayed, signed) gradient itself
                        buf = g.detach().clone()
                        st["momentum_buffer"] = buf
                        ba = arr(buf)
                        if d is not g._array:
                            ba[...] = d
                    else:
                        ba = arr(buf)
                        ba *= momentum
                        if dampening == 0:
                            ba += d
                        else:
                            ba += d * (1 - dampening)
                        buf._bump_version()
                    d = d + ba * momentum if nesterov else ba
                if scratch is not None and type(lr) is float and scratch.dtype is pa.dtype:
                    np.multiply(d, lr, out=scratch)     # (d * lr without a new array)
                    pa -= scratch
                else:
                    pa -= d * lr
                p._bump_version()
        return loss
