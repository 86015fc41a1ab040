"""Conv2dNormActivation: convolution, then normalization, then activation, as one Sequential."""
from ember import nn


class Conv2dNormActivation(nn.Sequential):
    """Conv2d -> norm_layer -> activation_layer; "same" padding by default, and a conv bias only
    when there is no norm layer.

    >>> Conv2dNormActivation(3, 8, stride=2)(ember.zeros(1, 3, 8, 8)).shape
    ember.Size([1, 8, 4, 4])
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True,
                 bias=None):
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                ks = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
                dl = (dilation,) * 2 if isinstance(dilation, int) else tuple(dilation)
                kernel_size, dilation = ks, dl
                padding = tuple((k - 1) // 2 * d for k, d in zip(ks, dl))
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                            groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
