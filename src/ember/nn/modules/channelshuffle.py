"""ChannelShuffle: interleave groups of channels (ShuffleNet).

>>> ember.nn.ChannelShuffle(2)
ChannelShuffle(groups=2)
"""
from ..._ops.normalization import channel_shuffle
from .module import Module


class ChannelShuffle(Module):
    """Splits the C channels into ``groups`` groups and interleaves them."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
