"""ember: PyTorch's programming model in pure Python, on NumPy (CPU) and CuPy (CUDA).

    import ember as torch
    x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    (x * x).sum().backward()
    print(x.grad)

This module only re-exports; each name is defined in the file of its family.

On glibc, importing ember tunes malloc to reuse big freed blocks (see ember/_malloc_tuning.py);
set EMBER_MALLOC_TUNING=0 before the import to opt out.
"""
__version__ = "0.1.0"

from . import _malloc_tuning
_malloc_tuning.apply()

from . import _dtype
from ._dtype import (dtype, finfo, iinfo, promote_types, can_cast, get_default_dtype,  # noqa: F401
                     set_default_dtype, bool_ as bool, uint8, int8, int16, int32, int64, uint16,
                     uint32, uint64, float16, bfloat16, float32, float64, complex32, complex64,
                     complex128, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz)
from ._dtype import ALIASES as _ALIASES
from ._device import device, get_default_device, set_default_device  # noqa: F401
from ._size import Size  # noqa: F401
from ._memory_format import (memory_format, contiguous_format, channels_last,  # noqa: F401
                             channels_last_3d, preserve_format, layout, strided, sparse_coo)
from ._tensor import Tensor  # noqa: F401
from ._storage import UntypedStorage, TypedStorage  # noqa: F401
from . import _dispatch
from ._ops import pointwise as _pointwise, creation as _creation, views as _views  # noqa: F401
from ._ops import pointwise_math as _pointwise_math  # noqa: F401
from ._ops import conversion as _conversion, indexing as _indexing, reduction as _reduction  # noqa: F401
from ._ops import shape as _shape, sorting as _sorting, indexing_ops as _indexing_ops  # noqa: F401
from ._ops import softmax as _softmax  # noqa: F401
from ._ops import blas as _blas  # noqa: F401
from ._ops import padding as _padding, pooling as _pooling, upsampling as _upsampling  # noqa: F401,E501
from ._ops import windows as _windows, stft as _stft  # noqa: F401
from ._ops import pointwise_numeric as _pointwise_numeric  # noqa: F401
# The op families behind ember.nn, imported here because ember.nn itself loads lazily: every
# registered op is an ember.<name> function and a Tensor method right after `import ember`.
from ._ops import (convolution as _convolution, normalization as _normalization,  # noqa: F401
                   loss as _loss, rnn as _rnn, rnn_packing as _rnn_packing, embedding as _embedding,
                   attention as _attention, weight_norm as _weight_norm_ops,
                   special_ops as _special_ops)
from ._ops.creation import LEGACY as _LEGACY
from ._ops import inplace_views as _inplace_views  # noqa: F401
from ._ops import view_scatter as _view_scatter, view_copies as _view_copies  # noqa: F401
from ._ops import segment_reduce as _segment_reduce  # noqa: F401
from ._ops import nonzero_static as _nonzero_static, from_file as _from_file  # noqa: F401
from ._ops import histogramdd as _histogramdd  # noqa: F401
from ._ops import nn_entry_points as _nn_entry_points  # noqa: F401
from ._ops import statistics as _statistics, numeric_calculus as _numeric_calculus  # noqa: F401
from ._ops import index_reduce as _index_reduce  # noqa: F401
from ._ops import tensor_misc as _tensor_misc  # noqa: F401
from . import autograd  # noqa: F401
autograd._leaf._install_tensor_methods()
from .autograd import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                       is_grad_enabled, is_inference_mode_enabled)
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
from .autograd.anomaly_mode import set_detect_anomaly as _set_detect_anomaly  # noqa: F401
from ._tensor_str import set_printoptions, get_printoptions, printoptions  # noqa: F401
from . import cuda  # noqa: F401
from . import backends  # noqa: F401
from ._compile import compile  # noqa: F401,A004
from . import linalg  # noqa: F401
from . import random  # noqa: F401
from .random import (Generator, default_generator, manual_seed, seed, initial_seed,  # noqa: F401
                     rand, randn, randint, rand_like, randn_like, randperm, get_rng_state,
                     set_rng_state, randint_like, bernoulli, multinomial, normal, poisson)
from . import utils  # noqa: F401
from . import _einops_hook  # noqa: E402
_einops_hook.install()  # ember's einops backend, defined when (and only if) einops is imported

globals().update(_ALIASES)
float = float32  # noqa: A001  (PyTorch's alias; shadows the builtin inside this namespace only)
globals().update(_LEGACY)
globals().update(_dispatch.FUNCTIONS)


def is_tensor(obj):
    """True if ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_storage(obj):
    return isinstance(obj, (UntypedStorage, TypedStorage))


def numel(input):
    """Number of elements of ``input``."""
    return input.numel()


def is_floating_point(input):
    return input._dtype.is_floating_point


def is_complex(input):
    return input._dtype.is_complex


from ._dispatch import result_type  # noqa: E402,F401

# PyTorch's module-level constants (plain Python values, as in torch)
from math import pi, e, inf, nan  # noqa: E402,F401
newaxis = None


from . import _device as _device_mod  # noqa: E402

del globals()["float"]
float = float32  # noqa: A001


# Loaded on first use (PEP 562), so that `import ember` stays fast: `ember.nn`, `import ember.nn`,
# `from ember import nn` all work as before. A new subpackage or re-exported name that the tensor
# core does not need belongs here, not in an eager import above.
from ._lazy import attach as _attach_lazy  # noqa: E402

__getattr__, __dir__ = _attach_lazy(globals(), submodules={
    "nn": ".nn",
    "optim": ".optim",
    "fft": ".fft",
    "special": ".special",
    "func": ".func",
    "jit": ".jit",
    "testing": ".testing",
    "hub": ".hub",
    "serialization": ".serialization",
    "_data": ".utils.data",
    "distributions": ".distributions",
    "distributed": ".distributed",
}, attributes={
    "save": (".serialization", "save"),
    "load": (".serialization", "load"),
    "_standard_gamma": ("._random_gamma", "_standard_gamma"),
    "_standard_gamma_grad": ("._random_gamma", "_standard_gamma_grad"),
    "_sample_dirichlet": ("._random_gamma", "_sample_dirichlet"),
    "_dirichlet_grad": ("._random_gamma", "_dirichlet_grad"),
    "binomial": ("._random_binomial", "binomial"),
})

# Legacy typed storages, runtime settings, top-level exception classes.
from ._legacy_storage import (Storage, DoubleStorage, FloatStorage, HalfStorage,  # noqa: E402,F401
                              BFloat16Storage, LongStorage, IntStorage, ShortStorage, CharStorage,
                              ByteStorage, BoolStorage, ComplexFloatStorage, ComplexDoubleStorage,
                              storage_type as _storage_type)
Tensor.storage_type = _storage_type
from ._runtime_settings import (get_num_threads, set_num_threads, get_num_interop_threads,  # noqa: E402,F401,E501
                                set_num_interop_threads, init_num_threads,
                                use_deterministic_algorithms, are_deterministic_algorithms_enabled,
                                is_deterministic_algorithms_warn_only_enabled,
                                set_deterministic_debug_mode, get_deterministic_debug_mode,
                                set_float32_matmul_precision, get_float32_matmul_precision,
                                set_warn_always, is_warn_always_enabled, is_vulkan_available,
                                compiled_with_cxx11_abi, typename, get_device_module,
                                set_anomaly_enabled, set_default_tensor_type)
from .utils.dlpack import to_dlpack  # noqa: E402,F401
from ._errors import OutOfMemoryError, AcceleratorError  # noqa: E402,F401

# Automatic mixed precision (ember.amp) and the autocast state functions.
from . import amp  # noqa: E402,F401
from .amp import autocast, GradScaler  # noqa: E402,F401
from .amp.autocast_mode import (is_autocast_enabled, set_autocast_enabled,  # noqa: E402,F401
                                get_autocast_dtype, set_autocast_dtype, get_autocast_cpu_dtype,
                                set_autocast_cpu_dtype, is_autocast_cpu_enabled,
                                set_autocast_cpu_enabled, get_autocast_gpu_dtype,
                                set_autocast_gpu_dtype, get_autocast_ipu_dtype,
                                set_autocast_ipu_dtype, is_autocast_ipu_enabled,
                                set_autocast_ipu_enabled, get_autocast_xla_dtype,
                                set_autocast_xla_dtype, is_autocast_xla_enabled,
                                set_autocast_xla_enabled, is_autocast_cache_enabled,
                                set_autocast_cache_enabled, clear_autocast_cache,
                                autocast_increment_nesting, autocast_decrement_nesting)
