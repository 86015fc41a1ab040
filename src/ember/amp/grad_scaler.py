"""``ember.amp.GradScaler``: loss scaling for mixed-precision training.

The loss is multiplied by a scale before ``backward`` so small half-precision gradients do not
flush to zero; ``step`` divides the gradients back (``unscale_``), skips the optimizer step when
any of them is inf/NaN, and ``update`` shrinks the scale after such a step (``backoff_factor``)
or grows it after ``growth_interval`` clean ones (``growth_factor``), as PyTorch's does.

>>> p = ember.nn.Parameter(ember.ones(2)); opt = ember.optim.SGD([p], lr=0.1)
>>> scaler = ember.amp.GradScaler("cpu", init_scale=4.0)
>>> scaler.scale((p * 2).sum()).backward(); scaler.step(opt); scaler.update()
>>> p.tolist()
[0.800000011920929, 0.800000011920929]
"""
import warnings

import numpy as np

from .. import _dtype as D

_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _fresh_state():
    return {"stage": _READY, "found_inf_per_device": {}}


class GradScaler:
    """Dynamic loss scaling (see the module docstring)."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available. "
                              " Disabling.", UserWarning, stacklevel=2)
                self._enabled = False
        if self._enabled:
            assert growth_factor > 1.0, "The growth factor must be > 1.0."
            assert backoff_factor < 1.0, "The backoff factor must be < 1.0."
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = {}

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier " \
              "in the iteration."
        assert self._scale is not None, f"Attempted {funcname} but _scale is None.  {fix}"
        assert self._growth_tracker is not None, \
            f"Attempted {funcname} but _growth_tracker is None.  {fix}"

    def _lazy_init_scale_growth_tracker(self):
        from .. import full
        self._scale = full((), self._init_scale, dtype=D.float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=D.int32)

    def _state(self, optimizer):
        st = self._per_optimizer_states.get(id(optimizer))
        if st is None:
            st = self._per_optimizer_states[id(optimizer)] = _fresh_state()
        return st

    # ------------------------------------------------------------------------ scaling
    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of tensors) times the current scale."""
        from .._tensor import Tensor
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker()
            return outputs * self._scale.to(outputs.device)

        def apply(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker()
                return val * self._scale.to(val.device)
            if isinstance(val, (list, tuple)):
                mapped = [apply(v) for v in val]
                return type(val)(mapped)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply(outputs)

    def _unscale_grads(self, optimizer, inv_scale, allow_fp16):
        """Multiply every gradient by ``inv_scale`` in place; True if any is inf or NaN."""
        from ..autograd.grad_mode import no_grad
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is D.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    a = g._array
                    if not found and not np.isfinite(a).all():
                        found = True
                    g.mul_(inv_scale)
        return found

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale in place (once per step), recording
        whether any of them is inf or NaN."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        st = self._state(optimizer)
        if st["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if st["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # (the reciprocal in double, then float32, as PyTorch computes it)
        inv = float(np.float32(1.0 / float(self._scale._array)))
        found = self._unscale_grads(optimizer, inv, False)
        from .. import full
        st["found_inf_per_device"][str(self._scale.device)] = full((), float(found),
                                                                     dtype=D.float32)
        st["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (if not done yet) and run ``optimizer.step`` unless a gradient was inf/NaN;
        returns what ``optimizer.step`` returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._check_scale_growth_tracker("step")
        st = self._state(optimizer)
        if st["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if st["stage"] is _READY:
            self.unscale_(optimizer)
        assert len(st["found_inf_per_device"]) > 0, \
            "No inf checks were recorded for this optimizer."
        retval = None
        if not sum(float(v._array) for v in st["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        st["stage"] = _STEPPED
        return retval

    def update(self, new_scale=None):
        """Set the scale for the next iteration: ``new_scale`` if given, else backed off after
        an inf/NaN step or grown after ``growth_interval`` clean steps."""
        from .._tensor import Tensor
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                assert isinstance(new_scale, Tensor), reason
                assert new_scale.numel() == 1, reason
                assert new_scale.requires_grad is False, reason
                self._scale.copy_(new_scale)
        else:
            found_infs = [v for st in self._per_optimizer_states.values()
                          for v in st["found_inf_per_device"].values()]
            assert len(found_infs) > 0, "No inf checks were recorded prior to update."
            found = sum(float(v._array) for v in found_infs)
            scale = np.float32(self._scale._array)
            tracker = int(self._growth_tracker._array)
            if found:
                scale = np.float32(scale * np.float32(self._backoff_factor))
                tracker = 0
            else:
                tracker += 1
                if tracker == self._growth_interval:
                    grown = np.float32(scale * np.float32(self._growth_factor))
                    if np.isfinite(grown):
                        scale = grown
                    tracker = 0
            self._scale.fill_(float(scale))
            self._growth_tracker.fill_(tracker)
        self._per_optimizer_states = {}

    # ------------------------------------------------------------------------ settings, state
    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        if self._growth_tracker is None:
            return self._init_growth_tracker
        return self._growth_tracker.item()

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """The scale, factors, interval and growth tracker ({} when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])


GradScaler.__module__ = "ember.amp.grad_scaler"
