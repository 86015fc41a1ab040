"""ember.autograd: reverse-mode differentiation with PyTorch's semantics."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled, is_inference_mode_enabled)
from .engine import backward, grad  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled  # noqa: F401
from . import graph  # noqa: F401
from . import grad_mode  # noqa: F401
from . import _leaf  # noqa: F401
from . import function  # noqa: F401
from .function import Function  # noqa: F401
from .variable import Variable  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from .._lazy import attach as _attach_lazy

# jacobian/hessian/vjp/jvp load on first use of ember.autograd.functional (not needed to train).
__getattr__, __dir__ = _attach_lazy(globals(), submodules={"functional": ".functional"})
