"""LazyModuleMixin: modules whose parameter shapes are inferred from the first input."""
from ..parameter import is_lazy


class LazyModuleMixin:
    """On the first call, ``initialize_parameters(input)`` materialises the parameters and the
    module turns into ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def has_uninitialized_params(self):
        return any(is_lazy(p) for p in self._parameters.values() if p is not None) or any(
            is_lazy(b) for b in self._buffers.values() if b is not None)

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            self.initialize_parameters(*args, **kwargs)
            if self.cls_to_become is not None:
                self.__class__ = self.cls_to_become
                return self(*args, **kwargs)
        return super().__call__(*args, **kwargs)
