"""Optimizer: the base class every ember optimizer builds on.

It holds PyTorch's bookkeeping: ``param_groups`` (dicts with the defaults filled in), ``state``
keyed by parameter, ``state_dict``/``load_state_dict`` in PyTorch's layout (integer parameter ids),
step pre/post hooks (per optimizer and global) and state-dict hooks. Subclasses write ``step``
as in-place NumPy (or CuPy) updates on each parameter's array: no autograd is recorded, so a
step costs the arithmetic of its formula and little else.

>>> p = ember.nn.Parameter(ember.ones(2))
>>> opt = ember.optim.SGD([p], lr=0.1)
>>> p.grad = ember.ones(2)
>>> opt.step()
>>> p
Parameter containing:
tensor([0.9000, 0.9000], requires_grad=True)
"""
import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_tensor
from ..autograd.grad_mode import STATE as _GRAD
from ..utils.hooks import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()

# the devices PyTorch names in its capturable error (ember has no graph capture on the CPU)
_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


class _RequiredParameter:
    """Marks a hyper-parameter every param group must give (``SGD(lr=required)`` in old code)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def register_optimizer_step_pre_hook(hook):
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's ``step``.

    >>> h = ember.optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: None)
    >>> h.remove()
    """
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's ``step``.

    >>> h = ember.optim.optimizer.register_optimizer_step_post_hook(lambda o, a, k: None)
    >>> h.remove()
    """
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _hooked_step(func):
    """Wrap a subclass's ``step`` so the step hooks run around it (PyTorch patches the class the
    same way, once). Hooks see ``args`` with the optimizer first, as in PyTorch."""

    @functools.wraps(func)
    def step(*args, **kwargs):
        self = args[0]
        if not (_global_optimizer_pre_hooks or self._optimizer_step_pre_hooks
                or self._optimizer_step_post_hooks or _global_optimizer_post_hooks):
            return func(*args, **kwargs)
        for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                              self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{func} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
        out = func(*args, **kwargs)
        for post_hook in chain(self._optimizer_step_post_hooks.values(),
                               _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    step.hooked = True
    return step


class Optimizer:
    """Base class for all optimizers.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
    groups, each with its own options); ``defaults`` fills the options a group leaves out.

    >>> p = ember.nn.Parameter(ember.zeros(3))
    >>> opt = ember.optim.Adam([{"params": [p], "lr": 0.1}])
    >>> opt.param_groups[0]["lr"], opt.param_groups[0]["betas"]
    (0.1, (0.9, 0.999))
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._warned_capturable_if_run_uncaptured = True

    # ------------------------------------------------------------------ pickling, printing
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` before this optimizer's ``step``; it may return
        new ``(args, kwargs)``."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` after this optimizer's ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, hooks, hook, prepend):
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` before ``state_dict`` builds its result."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` on ``state_dict``'s result; a returned dict
        replaces it."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` before loading; a returned dict is loaded
        instead."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` after ``load_state_dict``."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self):
        """The optimizer's state as PyTorch lays it out: ``{"state": {id: {...}},
        "param_groups": [{..., "params": [ids]}]}``, parameters replaced by their position.

        >>> p = ember.nn.Parameter(ember.zeros(2))
        >>> ember.optim.SGD([p], lr=0.5).state_dict()["param_groups"][0]["params"]
        [0]
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        index_of = {}
        start = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": packed_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups,
                                                 key=None):
        # NOTE: "step" keeps its own dtype (it is a counter) unless the group is fused or
        # capturable, where it lives as float32 beside the parameter.
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=D.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load a state produced by ``state_dict`` (of this library or of PyTorch, once its
        tensors are ember tensors, e.g. through ``ember.load``)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, param_id, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, param_id) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v, k)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # ------------------------------------------------------------------ gradients, groups
    def zero_grad(self, set_to_none=True):
        """Drop every parameter's ``.grad`` (``set_to_none=False``: fill it with zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g._grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._array[...] = 0
                    g._bump_version()

    def step(self, closure=None):
        """Perform one optimisation step (``closure`` re-evaluates the model and returns the
        loss)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``"params"`` and any per-group options).

        >>> a, b = ember.nn.Parameter(ember.zeros(1)), ember.nn.Parameter(ember.zeros(1))
        >>> opt = ember.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": b, "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ helpers for subclasses
    def _grads(self, group):
        """(param, grad) for the group's parameters that have a gradient."""
        out = []
        for p in group["params"]:
            g = p._grad if p._grad_fn is None else p.grad
            if g is not None:
                out.append((p, g))
        return out

    def _check_fused(self, p):
        if not p.is_floating_point():
            raise RuntimeError("`fused=True` requires all the params to be floating point "
                               "Tensors of supported devices: ['mps', 'cuda', 'xpu', 'hpu', "
                               f"'cpu', 'privateuseone'] but {p.dtype} and {p.device.type}")


# ---------------------------------------------------------------------- shared step helpers
def _typename(obj):
    if isinstance(obj, Tensor):
        from .._tensor_type import legacy_type_name
        return legacy_type_name(obj)
    t = type(obj)
    return t.__qualname__ if t.__module__ in ("builtins", "__builtin__") else \
        f"{t.__module__}.{t.__qualname__}"


def _scalar_dtype(fused=False):
    """The dtype PyTorch gives ``state["step"]``: float32, or float64 under that default."""
    if fused:
        return D.float32
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def new_step(p, on_param_device=False, value=0.0, fused=False):
    """A fresh 0-d step counter (CPU, or beside the parameter when capturable/fused)."""
    dt = _scalar_dtype(fused)
    if on_param_device and p.is_cuda:
        from .._ops.creation import tensor
        return tensor(value, dtype=dt, device=p.device)
    return make_tensor(np.array(value, dt.np), dt)


def bump_step(step_t):
    """``step_t += 1`` on the counter's array; returns the new count as a Python float."""
    a = step_t._array
    a += 1
    step_t._bump_version()
    return float(a)


def scalar(x):
    """A hyper-parameter as a number: tensors (lr=ember.tensor(0.1)) keep their precision, so
    ``lr / c`` rounds to float32 for a float32 tensor as PyTorch's tensor arithmetic does."""
    if isinstance(x, Tensor):
        a = x._array
        return a.reshape(()).item() if a.dtype == np.float64 else a.reshape(())[()]
    return x


def real_view(a):
    """A complex array seen as real pairs (``view_as_real``); other arrays unchanged."""
    if a.dtype.kind == "c":
        return a[..., None].view(a.real.dtype)
    return a


def state_like(p, fill=0):
    """A state buffer shaped and strided like parameter ``p`` (``zeros_like`` with
    ``preserve_format``), filled with ``fill``."""
    from .._ops.creation import full_like, zeros_like
    if fill == 0:
        return zeros_like(p)
    return full_like(p, fill)


def check_capturable(p, group, what="params and state_steps"):
    """PyTorch's refusal of ``capturable=True`` for parameters off a graph-capture device."""
    if group.get("capturable") and not p.is_cuda:
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                             f"{_CAPTURABLE_DEVICES}.")


def arr(t):
    """A tensor's array, with 0-d arrays seen as shape (1,) (a view): NumPy turns results of
    0-d arithmetic into scalars, which in-place updates and ``out=`` cannot take."""
    a = t._array
    return a if a.ndim else a.reshape(1)


def directed_grad(g, maximize):
    """The gradient's array, negated (as a new array) when maximizing."""
    a = arr(g)
    return -a if maximize else a


def lerp_(a, b, w):
    """``a.lerp_(b, w)`` with PyTorch's two-sided formula (exact at both ends); returns the
    scratch array it used, free for the caller's next temporary."""
    diff = b - a
    if abs(w) < 0.5:
        diff *= w
        a += diff
    else:
        diff *= 1 - w
        np.subtract(b, diff, out=a)
    return diff


def addcmul_(a, t1, t2, value):
    """``a.addcmul_(t1, t2, value=value)``: a + value * t1 * t2; returns the scratch array."""
    tmp = t1 * value if value != 1 else t1.copy()
    tmp *= t2
    a += tmp
    return tmp


def grad_enabled_off():
    """Turn grad recording off (restore with the returned value) for optimizers written in
    ember ops (LBFGS)."""
    prev = _GRAD.enabled
    _GRAD.enabled = False
    return prev


def restore_grad_mode(prev):
    _GRAD.enabled = prev


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_fused_flags(opt, fused, foreach, differentiable):
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        opt._step_supports_amp_scaling = True
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def run_closure(closure):
    """Evaluate ``closure`` with gradients enabled (step itself may run under no_grad)."""
    if closure is None:
        return None
    prev = _GRAD.enabled
    _GRAD.enabled = True
    try:
        return closure()
    finally:
        _GRAD.enabled = prev
