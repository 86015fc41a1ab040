"""ember's einops backend: ``einops.rearrange/reduce/repeat/einsum/pack/unpack`` on ember
tensors, with the same calls (and so the same autograd graph) as einops's torch backend.
Imported only once einops itself is (see ``_einops_hook``).

>>> import einops
>>> einops.rearrange(ember.zeros(2, 3), "a b -> b a").shape
ember.Size([3, 2])
"""
from einops._backends import AbstractBackend

import ember


class EmberBackend(AbstractBackend):
    framework_name = "ember"

    def is_appropriate_type(self, tensor):
        return isinstance(tensor, ember.Tensor)

    def from_numpy(self, x):
        variable = ember.from_numpy(x)
        if self.is_float_type(variable):
            variable.requires_grad = True   # einops's tests take gradients of float inputs
        return variable

    def to_numpy(self, x):
        return x.detach().cpu().numpy()

    def arange(self, start, stop):
        return ember.arange(start, stop, dtype=ember.int64)

    def reduce(self, x, operation, reduced_axes):
        if operation == "min":
            return x.amin(dim=reduced_axes)
        if operation == "max":
            return x.amax(dim=reduced_axes)
        if operation == "sum":
            return x.sum(dim=reduced_axes)
        if operation == "mean":
            return x.mean(dim=reduced_axes)
        if operation in ("any", "all", "prod"):
            # NOTE: these take one dim at a time; from the last so the others stay valid
            for dim in sorted(reduced_axes)[::-1]:
                x = getattr(x, operation)(dim=dim)
            return x
        raise NotImplementedError("Unknown reduction ", operation)

    def transpose(self, x, axes):
        return x.permute(axes)

    def stack_on_zeroth_dimension(self, tensors):
        return ember.stack(tensors)

    def add_axes(self, x, n_axes, pos2len):
        repeats = [-1] * n_axes
        for axis_position, axis_length in pos2len.items():
            x = ember.unsqueeze(x, axis_position)
            repeats[axis_position] = axis_length
        return x.expand(repeats)

    def tile(self, x, repeats):
        return x.repeat(repeats)

    def concat(self, tensors, axis):
        return ember.cat(tensors, dim=axis)

    def add_axis(self, x, new_position):
        return ember.unsqueeze(x, new_position)

    def is_float_type(self, x):
        return x.dtype in (ember.float16, ember.float32, ember.float64, ember.bfloat16)

    def layers(self):
        from . import _einops_layers
        return _einops_layers

    def einsum(self, pattern, *x):
        return ember.einsum(pattern, *x)
