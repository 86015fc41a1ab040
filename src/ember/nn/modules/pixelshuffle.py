"""PixelShuffle / PixelUnshuffle: trade channels for spatial resolution and back."""
from .module import Module
from ..._ops.upsampling import pixel_shuffle, pixel_unshuffle


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r).

    >>> ember.nn.PixelShuffle(2)(ember.ones(1, 4, 3, 3)).shape
    ember.Size([1, 1, 6, 6])
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W).

    >>> ember.nn.PixelUnshuffle(2)(ember.ones(1, 1, 4, 4)).shape
    ember.Size([1, 4, 2, 2])
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
