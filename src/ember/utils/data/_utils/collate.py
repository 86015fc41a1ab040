"""``torch.utils.data._utils.collate``'s names, from ember's ``_collate``."""
from .._collate import *  # noqa: F401,F403
from .._collate import (collate, default_collate, default_convert,  # noqa: F401
                        default_collate_fn_map, default_collate_err_msg_format,
                        np_str_obj_array_pattern)
