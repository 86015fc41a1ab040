"""Convert the weights of the convolutions inside a model to a memory format (e.g.
``channels_last``), in place, so that their layout matches channels-last activations.

>>> conv = convert_conv2d_weight_memory_format(ember.nn.Conv2d(3, 4, 2), ember.channels_last)
>>> conv.weight.stride()
(12, 1, 6, 3)
"""
__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, classes):
    if isinstance(module, classes):
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, classes)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Re-lay the weights of every Conv2d / ConvTranspose2d in ``module``; returns ``module``.

    >>> net = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 1))
    >>> convert_conv2d_weight_memory_format(net, ember.channels_last)[0].weight.stride()
    (1, 1, 1, 1)
    """
    from ..modules.conv import Conv2d, ConvTranspose2d
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Re-lay the weights of every Conv3d / ConvTranspose3d in ``module``; returns ``module``.

    >>> conv = convert_conv3d_weight_memory_format(ember.nn.Conv3d(2, 2, 1), ember.channels_last_3d)
    >>> conv.weight.stride()
    (2, 1, 2, 2, 2)
    """
    from ..modules.conv import Conv3d, ConvTranspose3d
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
