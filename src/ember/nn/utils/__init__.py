"""ember.nn.utils: gradient clipping, parameter/vector conversion, parametrizations, weight and
spectral normalisation, stateless calls, Conv/Linear + BatchNorm fusion, skip_init.

>>> ember.nn.utils.parameters_to_vector(ember.nn.Linear(2, 2).parameters()).shape
ember.Size([6])
"""
from ..._ops import weight_norm as _weight_norm_ops  # noqa: F401 (registers the ops)
from . import parametrize, parametrizations, stateless  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        get_total_norm, clip_grads_with_norm_)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: F401
                     fuse_linear_bn_weights)
from .init import skip_init  # noqa: F401
from .memory_format import (convert_conv2d_weight_memory_format,  # noqa: F401
                            convert_conv3d_weight_memory_format)
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from . import rnn  # noqa: F401,E402
