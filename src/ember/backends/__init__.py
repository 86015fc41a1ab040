"""ember.backends: switches PyTorch programs set for their native backends.

ember has no cuDNN or MPS; the flags exist so that programs setting them run unchanged, and
report honestly that those backends are absent.
"""
from . import cudnn, mps  # noqa: F401
