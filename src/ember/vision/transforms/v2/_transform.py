"""The v2 transform base: inputs may be any nest of tuples, lists and dicts; image-like leaves
are transformed with one set of random parameters, everything else passes through."""
import enum

from PIL import Image

import ember
from ember.nn import Module


def _flatten(tree):
    """Leaves of nested tuples/lists/dicts, and a function that rebuilds the nest from new leaves."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(x) for x in tree]
        leaves = [leaf for part_leaves, _ in parts for leaf in part_leaves]

        def rebuild(new, parts=parts, kind=type(tree)):
            out, at = [], 0
            for part_leaves, part_rebuild in parts:
                out.append(part_rebuild(new[at:at + len(part_leaves)]))
                at += len(part_leaves)
            return kind(out) if kind in (tuple, list) else kind(*out)
        return leaves, rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, rebuild_values(new)))
    return [tree], lambda new: new[0]


def _is_image_like(x):
    return isinstance(x, (ember.Tensor, Image.Image))


class Transform(Module):
    """Base class of v2 transforms: override ``make_params`` (random draws, once per call) and
    ``transform(inpt, params)`` (per image-like input).

    >>> class Twice(Transform):
    ...     def transform(self, inpt, params):
    ...         return inpt * 2
    >>> Twice()(ember.ones(1), 3)
    (tensor([2.]), 3)
    """

    _transformed_types = (ember.Tensor, Image.Image)

    def make_params(self, flat_inputs):
        return {}

    def transform(self, inpt, params):
        raise NotImplementedError

    def _needs_transform(self, flat_inputs):
        # NOTE: a plain tensor is only treated as "the image" when no PIL image is present, and
        # then only the first one (labels and masks given as tensors pass through)
        tensor_is_image = not any(isinstance(x, Image.Image) for x in flat_inputs)
        needs = []
        for x in flat_inputs:
            wanted = isinstance(x, self._transformed_types)
            if wanted and isinstance(x, ember.Tensor):
                wanted, tensor_is_image = tensor_is_image, False
            needs.append(wanted)
        return needs

    def _apply(self, inputs):
        flat, rebuild = _flatten(inputs)
        needs = self._needs_transform(flat)
        params = self.make_params([x for x, n in zip(flat, needs) if n])
        return rebuild([self.transform(x, params) if n else x for x, n in zip(flat, needs)])

    def forward(self, *inputs):
        return self._apply(inputs if len(inputs) > 1 else inputs[0])

    def extra_repr(self):
        shown = []
        for name, value in self.__dict__.items():
            if name.startswith("_") or name == "training":
                continue
            if isinstance(value, enum.Enum):
                # interpolation modes print by value ("bilinear"), as torchvision's do
                shown.append(f"{name}={value.value}")
            elif isinstance(value, (bool, int, float, str, tuple, list)):
                shown.append(f"{name}={value}")
        return ", ".join(shown)


class _RandomApplyTransform(Transform):
    """Applies with probability p, drawn as ``torch.rand(1) >= p`` meaning "skip"."""

    def __init__(self, p=0.5):
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        if ember.rand(1) >= self.p:
            return inputs
        return self._apply(inputs)
