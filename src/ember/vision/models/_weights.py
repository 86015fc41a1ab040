"""Weight enums and the pretrained-weights refusal shared by the model builders.

ember cannot fetch torchvision's checkpoints (no network at run time, and no copy is shipped), so
a builder asked for weights fails at once with a message saying how to load them by hand.
"""
from enum import Enum


class WeightsEnum(Enum):
    """Names of torchvision's pretrained checkpoints (for ``weights=`` arguments); not loadable."""

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value


def _weights_enum(name, members):
    enum = WeightsEnum(name, members)
    enum.DEFAULT = enum[list(members)[-1]]
    return enum


def check_no_weights(builder, weights, kwargs):
    """Raise for ``weights`` (or legacy ``pretrained=True``): they cannot be downloaded here."""
    if kwargs.pop("pretrained", False):
        weights = "pretrained=True"
    kwargs.pop("progress", None)
    if weights is not None:
        raise RuntimeError(
            f"{builder}(weights={weights}): ember.vision cannot download pretrained weights. Build the "
            f"model with {builder}(weights=None) and load a checkpoint you have on disk instead, e.g. "
            f"model.load_state_dict(ember.load('{builder}.pth')) with a state_dict that torchvision saved.")
