"""``ReduceOp``: how a reducing collective combines the ranks' values.

>>> ember.distributed.ReduceOp.SUM
<RedOpType.SUM: 0>
"""
import enum

__all__ = ["ReduceOp"]


class RedOpType(enum.Enum):
    """The reduction kinds, numbered as PyTorch numbers them."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9

    def __eq__(self, other):
        if isinstance(other, int) and not isinstance(other, bool):
            return self.value == other
        return self is other

    __hash__ = enum.Enum.__hash__

    def __int__(self):
        return self.value


class ReduceOp:
    """Namespace of the reduction kinds: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``,
    ``MAX``, ``BAND``, ``BOR``, ``BXOR``."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM

    def __new__(cls, op=RedOpType.SUM):
        return as_reduce_op(op)


def as_reduce_op(op):
    """The RedOpType for ``op`` (a RedOpType or its number); TypeError otherwise."""
    if isinstance(op, RedOpType):
        return op
    if isinstance(op, int) and not isinstance(op, bool):
        return RedOpType(op)
    raise TypeError(f"op must be a ReduceOp (for example ReduceOp.SUM), not {op!r}")
