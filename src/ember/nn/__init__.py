"""ember.nn: neural-network building blocks (modules, functional, init).

>>> net = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 1))
"""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import module as _module_file  # noqa: F401
# (imported by path: the star import above bound `utils` to nn.modules.utils)
from importlib import import_module as _import_module  # noqa: E402
utils = _import_module(".utils", __name__)
from . import parallel  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
