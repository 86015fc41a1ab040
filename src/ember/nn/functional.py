"""ember.nn.functional: the math of the nn layers, as functions on tensors."""
from .._ops.pointwise_math import relu as _relu_op, sigmoid, tanh  # noqa: F401
from .._ops.pointwise_math import (  # noqa: F401
    relu6, leaky_relu, leaky_relu_, elu, elu_, selu, celu, gelu, silu, mish, softplus,
    hardtanh, hardtanh_, hardsigmoid, hardswish, logsigmoid, softsign, tanhshrink, threshold,
    threshold_, rrelu, rrelu_, hardshrink, softshrink, glu)


def relu(input, inplace=False):
    """max(x, 0).

    >>> ember.nn.functional.relu(ember.tensor([-1., 2.]))
    tensor([0., 2.])
    """
    if inplace:
        return input.relu_()
    return _relu_op(input)


def relu_(input):
    """In-place relu."""
    return input.relu_()

from .._ops.softmax import (functional_softmax as softmax,  # noqa: E402,F401
                            functional_log_softmax as log_softmax,
                            functional_softmin as softmin)

from .._ops.nn_linear import (linear, bilinear, dropout, dropout1d, dropout2d,  # noqa: E402,F401
                              dropout3d, alpha_dropout, feature_alpha_dropout)
from .._ops.pointwise_math import prelu  # noqa: E402,F401

from .._ops.loss import (  # noqa: E402,F401
    mse_loss, l1_loss, smooth_l1_loss, huber_loss, soft_margin_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, kl_div, nll_loss, cross_entropy, poisson_nll_loss,
    gaussian_nll_loss, margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss,
    multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss, triplet_margin_loss,
    triplet_margin_with_distance_loss, ctc_loss, pairwise_distance, cosine_similarity, normalize,
    one_hot)

from .._ops.normalization import (  # noqa: E402,F401
    batch_norm, layer_norm, group_norm, instance_norm, rms_norm, local_response_norm,
    channel_shuffle, native_channel_shuffle)

from .._ops.padding import pad  # noqa: E402,F401
from .._ops.pooling import (  # noqa: E402,F401
    max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices, max_pool2d_with_indices,
    max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d, lp_pool1d, lp_pool2d, lp_pool3d,
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
    adaptive_max_pool2d, adaptive_max_pool3d, adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices, adaptive_max_pool3d_with_indices)
from .._ops.pooling import (  # noqa: E402,F401
    fractional_max_pool2d, fractional_max_pool3d, fractional_max_pool2d_with_indices,
    fractional_max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)
from .._ops.upsampling import (interpolate, upsample, upsample_nearest,  # noqa: E402,F401
                               upsample_bilinear, pixel_shuffle, pixel_unshuffle)

from .._ops.convolution import (conv1d, conv2d, conv3d, conv_transpose1d,  # noqa: E402,F401
                                conv_transpose2d, conv_transpose3d)
from .._ops.fold import unfold, fold  # noqa: E402,F401

from .._ops.embedding import (functional_embedding as embedding,  # noqa: E402,F401
                              embedding_bag)
from .._ops.grid_sampling import grid_sample, affine_grid  # noqa: E402,F401
from .._ops.attention import scaled_dot_product_attention  # noqa: E402,F401
from .._ops.multi_head_attention import (  # noqa: E402,F401
    multi_head_attention_forward, _canonical_mask, _none_or_dtype, _mha_shape_check,
    _in_projection_packed, _in_projection)
from .._ops.pdist import pdist  # noqa: E402,F401
from .._ops.pointwise_math import celu_, selu_  # noqa: E402,F401
from .._ops.nn_entry_points import conv_tbc, gumbel_softmax  # noqa: E402,F401
