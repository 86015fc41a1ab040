"""Process groups: ``init_process_group`` and the default group, ``new_group`` sub-groups, and
the rank / size / backend queries.

>>> ember.distributed.init_process_group("gloo")      # doctest: +SKIP (under a launcher)
>>> ember.distributed.get_rank(), ember.distributed.get_world_size()   # doctest: +SKIP
(0, 2)
"""
import os
from datetime import timedelta
from urllib.parse import urlparse

from .backend import SUPPORTED, Backend
from .errors import NOT_INITIALIZED
from .store import TCPStore

__all__ = ["ProcessGroup", "GroupMember", "group", "init_process_group", "destroy_process_group",
           "is_initialized", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_process_group_ranks", "get_global_rank", "get_group_rank", "default_pg_timeout"]

default_pg_timeout = timedelta(minutes=30)


class ProcessGroup:
    """A set of ranks that run collectives together. ``ranks`` are the members' global ranks
    in group order; ``impl`` is the backend object doing the communication."""

    def __init__(self, backend, impl, ranks, group_rank, timeout, store=None, name=""):
        self._backend_name = Backend(backend)
        self._impl = impl
        self._ranks = list(ranks)
        self._rank = group_rank
        self._timeout = timeout
        self._store = store
        self.group_name = name
        self._next_tag = 0

    def rank(self):
        return self._rank

    def size(self):
        return len(self._ranks)

    def name(self):
        return self._backend_name

    @property
    def timeout_seconds(self):
        return self._timeout.total_seconds()

    def __repr__(self):
        return f"<ember.distributed.ProcessGroup {self._backend_name} ranks={self._ranks}>"


class GroupMember:
    """``GroupMember.WORLD`` is the default process group (None before initialisation);
    ``NON_GROUP_MEMBER`` is what ``new_group`` returns on ranks outside the new group."""

    WORLD = None
    NON_GROUP_MEMBER = -100


group = GroupMember     # PyTorch's ``dist.group.WORLD`` spelling


class _State:
    default = None
    store = None
    groups = []         # every ProcessGroup created, for destroy_process_group


def _default_group():
    if _State.default is None:
        raise ValueError(NOT_INITIALIZED)
    return _State.default


def resolve_group(group_arg):
    """The ProcessGroup for a collective's ``group=`` argument (None: the default group)."""
    if group_arg is None or group_arg is GroupMember.WORLD:
        return _default_group()
    _default_group()
    return group_arg


def not_in_group(pg):
    return pg is GroupMember.NON_GROUP_MEMBER or (isinstance(pg, int) and pg == -100)


def is_initialized():
    """True once ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return _State.default is not None


def _env_int(name, init_method):
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"Error initializing torch.distributed using {init_method} "
                         f"rendezvous: environment variable {name} expected, but not set")
    return int(value)


def _rendezvous(init_method, rank, world_size, timeout, need_store):
    """(rank, world_size, store) from ``init_method``; the store only when needed."""
    parsed = urlparse(init_method)
    if parsed.scheme == "env":
        from ._mpi_backend import launched_by_mpi
        under_mpi = launched_by_mpi()
        # under mpiexec without torchrun's variables, MPI's own rank and size stand in
        if rank == -1:
            rank = (under_mpi[0] if "RANK" not in os.environ and under_mpi
                    else _env_int("RANK", "env://"))
        if world_size == -1:
            world_size = (under_mpi[1] if "WORLD_SIZE" not in os.environ and under_mpi
                          else _env_int("WORLD_SIZE", "env://"))
        if not need_store:
            return rank, world_size, None
        host = os.environ.get("MASTER_ADDR")
        if host is None:
            _env_int("MASTER_ADDR", "env://")
        port = _env_int("MASTER_PORT", "env://")
    elif parsed.scheme == "tcp":
        if rank == -1 or world_size == -1:
            raise ValueError(f"Error initializing torch.distributed using {init_method} "
                             f"rendezvous: rank and world_size parameters are required")
        if not need_store:
            return rank, world_size, None
        host, port = parsed.hostname, parsed.port
    else:
        raise RuntimeError(f"No rendezvous handler for {parsed.scheme}://")
    store = TCPStore(host, port, world_size, rank == 0, timeout=timeout,
                     wait_for_workers=False)
    return rank, world_size, store


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join this process to the job's default process group.

    ``backend``: ``"gloo"`` or ``"mpi"`` (CPU tensors, over MPI) or ``"nccl"`` (CUDA tensors).
    ``init_method``: ``"env://"`` (torchrun's RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; the
    default) or ``"tcp://host:port"`` with ``rank`` and ``world_size``; or give a ``store``.

    >>> ember.distributed.init_process_group("gloo")      # doctest: +SKIP
    """
    if _State.default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if init_method is not None and store is not None:
        raise AssertionError("Cannot specify both init_method and store.")
    if store is not None and (world_size <= 0 or rank < 0):
        raise AssertionError("world_size must be positive and rank must be non-negative "
                             "when using store")
    backend = Backend(backend if backend is not None else Backend.GLOO)
    if backend not in SUPPORTED:
        raise ValueError(f"ember.distributed supports the backends {list(SUPPORTED)}, not "
                         f"{backend!r}")
    timeout = default_pg_timeout if timeout is None else timeout
    if not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of typedatetime.timedelta, got "
                        f"{type(timeout)}")
    if backend == Backend.NCCL:
        from ._nccl_backend import NcclBackend
        if store is None:
            rank, world_size, store = _rendezvous(init_method or "env://", rank, world_size,
                                                  timeout, need_store=True)
        impl = NcclBackend.create(rank, world_size, store, "default", timeout)
    else:
        from ._mpi_backend import MpiBackend, import_mpi, world_communicator
        MPI = import_mpi()
        if store is None:
            probe = _rendezvous(init_method or "env://", rank, world_size, timeout,
                                need_store=False)
            rank, world_size = probe[0], probe[1]
            if MPI.COMM_WORLD.size != world_size:
                rank, world_size, store = _rendezvous(init_method or "env://", rank,
                                                      world_size, timeout, need_store=True)
        if backend == Backend.MPI and MPI.COMM_WORLD.size == world_size:
            rank = MPI.COMM_WORLD.rank   # PyTorch's MPI backend takes the ranks from MPI
        impl = MpiBackend(world_communicator(rank, world_size, store, timeout.total_seconds()))
    pg = ProcessGroup(backend, impl, range(world_size), rank, timeout, store, group_name)
    _State.default = pg
    _State.store = store
    _State.groups = [pg]
    GroupMember.WORLD = pg


def destroy_process_group(group=None):
    """Leave the default group (and every sub-group), or free one sub-group."""
    if group is None or group is GroupMember.WORLD:
        _default_group()
        for pg in _State.groups:
            pg._impl.close()
        if _State.store is not None:
            _State.store.close()
        _State.default = None
        _State.store = None
        _State.groups = []
        GroupMember.WORLD = None
    elif not not_in_group(group):
        group._impl.close()
        if group in _State.groups:
            _State.groups.remove(group)


def get_rank(group=None):
    """This process's rank in ``group`` (the default group: its global rank); -1 outside it."""
    if not_in_group(group):
        return -1
    return resolve_group(group).rank()


def get_world_size(group=None):
    """The number of ranks in ``group``; -1 outside it."""
    if not_in_group(group):
        return -1
    return resolve_group(group).size()


def get_backend(group=None):
    """The backend name of ``group`` (``'gloo'``, ``'mpi'`` or ``'nccl'``)."""
    if not_in_group(group):
        raise ValueError("Invalid process group specified")
    return resolve_group(group)._backend_name


def get_process_group_ranks(group):
    """The global ranks of ``group``'s members, in group order."""
    return list(resolve_group(group)._ranks)


def get_global_rank(group, group_rank):
    """The global rank of ``group``'s member number ``group_rank``."""
    pg = resolve_group(group)
    if pg is _State.default:
        return group_rank
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def get_group_rank(group, global_rank):
    """``global_rank``'s number inside ``group``."""
    pg = resolve_group(group)
    if pg is _State.default:
        return global_rank
    try:
        return pg._ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}") from None


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A process group of the global ``ranks`` (all ranks when None). Every rank of the
    default group must call it, members or not; non-members get
    ``GroupMember.NON_GROUP_MEMBER``.

    >>> evens = ember.distributed.new_group([0, 2])      # doctest: +SKIP
    """
    world = _default_group()
    ranks = sorted(range(world.size()) if ranks is None else ranks)
    for r in ranks:
        if not 0 <= r < world.size():
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group")
    if len(set(ranks)) != len(ranks):
        raise ValueError("ranks given to new_group must be unique")
    world._next_tag += 1
    impl = world._impl.subgroup(ranks, _State.store, f"group{world._next_tag}")
    if impl is None:
        return GroupMember.NON_GROUP_MEMBER
    timeout = world._timeout if timeout is None else timeout
    pg = ProcessGroup(world._backend_name if backend is None else backend, impl, ranks,
                      ranks.index(world.rank()), timeout, _State.store)
    _State.groups.append(pg)
    return pg
