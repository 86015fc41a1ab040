"""ember.nn.functional: the math of the nn layers, as functions on tensors."""
from .._ops.pointwise_math import relu, sigmoid, tanh  # noqa: F401
