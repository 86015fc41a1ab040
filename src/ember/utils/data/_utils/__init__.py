"""The private module paths PyTorch code imports from (``torch.utils.data._utils.collate``
and ``.worker``), mapped to ember's modules: extending ``default_collate_fn_map`` here
extends ember's ``default_collate``.

>>> from ember.utils.data._utils.collate import default_collate_fn_map
>>> default_collate_fn_map is ember.utils.data._collate.default_collate_fn_map
True
"""
from . import collate, worker  # noqa: F401

MP_STATUS_CHECK_INTERVAL = 5.0
