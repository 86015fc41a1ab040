"""einops's layers as ember modules (``Rearrange``, ``Reduce``, ``EinMix``), built on einops's
framework-neutral mixins; what ``einops.layers.torch`` gives with the ``torch`` alias installed.
Reach them through the backend: ``einops._backends.get_backend(x).layers()``.

>>> import einops
>>> layers = einops._backends.get_backend(ember.zeros(1)).layers()
>>> layers.Rearrange("b c h w -> b (c h w)")(ember.zeros(2, 3, 4, 5)).shape
ember.Size([2, 60])
"""
from einops.layers import RearrangeMixin, ReduceMixin
from einops.layers._einmix import _EinmixMixin

import ember
from .nn.modules.module import Module
from .nn.parameter import Parameter

__all__ = ["Rearrange", "Reduce", "EinMix"]


class Rearrange(RearrangeMixin, Module):
    def forward(self, input):
        return self._apply_recipe(input)


class Reduce(ReduceMixin, Module):
    def forward(self, input):
        return self._apply_recipe(input)


class EinMix(_EinmixMixin, Module):
    def _create_parameters(self, weight_shape, weight_bound, bias_shape, bias_bound):
        # same draws, in the same order, as einops.layers.torch.EinMix
        self.weight = Parameter(ember.zeros(weight_shape).uniform_(-weight_bound, weight_bound),
                                requires_grad=True)
        if bias_shape is not None:
            self.bias = Parameter(ember.zeros(bias_shape).uniform_(-bias_bound, bias_bound),
                                  requires_grad=True)
        else:
            self.bias = None

    def _create_rearrange_layers(self, pre_reshape_pattern, pre_reshape_lengths,
                                 post_reshape_pattern, post_reshape_lengths):
        self.pre_rearrange = None
        if pre_reshape_pattern is not None:
            self.pre_rearrange = Rearrange(pre_reshape_pattern, **dict(pre_reshape_lengths))
        self.post_rearrange = None
        if post_reshape_pattern is not None:
            self.post_rearrange = Rearrange(post_reshape_pattern, **dict(post_reshape_lengths))

    def forward(self, input):
        if self.pre_rearrange is not None:
            input = self.pre_rearrange(input)
        result = ember.einsum(self.einsum_pattern, input, self.weight)
        if self.bias is not None:
            result += self.bias
        if self.post_rearrange is not None:
            result = self.post_rearrange(result)
        return result
