"""ember.amp: automatic mixed precision, as ``torch.amp``: ``autocast`` regions and
``GradScaler`` loss scaling.

>>> with ember.amp.autocast("cpu"):
...     ember.mm(ember.ones(2, 2), ember.ones(2, 2)).dtype
ember.bfloat16
"""
from .autocast_mode import autocast  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401
