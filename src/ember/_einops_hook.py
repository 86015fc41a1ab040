"""Make einops recognise ember tensors without importing einops from ``import ember``.

einops finds a backend by scanning ``AbstractBackend.__subclasses__()`` for one whose
``framework_name`` is in ``sys.modules``, so ember's backend class has to exist before the
first einops call on an ember tensor. If einops is already imported we define it now;
otherwise a meta-path watcher waits for ``import einops`` and defines it right after einops
has executed. The watcher answers every other import with ``None`` at the cost of one string
comparison, and removes itself once it has fired.
"""
import sys


def _define_backend():
    from . import _einops_backend  # noqa: F401  (defining the subclass is the registration)


class _DelegatingLoader:
    """einops's own loader, plus defining ember's backend once einops has executed."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _define_backend()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _EinopsImportWatcher:
    # NOTE: a plain class: importing importlib.abc would cost ~2 ms of `import ember`
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "einops":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _DelegatingLoader(spec.loader)
                return spec
        return None


def install():
    if "einops" in sys.modules:
        _define_backend()
    elif not any(isinstance(f, _EinopsImportWatcher) for f in sys.meta_path):
        sys.meta_path.insert(0, _EinopsImportWatcher())
