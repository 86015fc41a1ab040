"""The order in which PyTorch's CPU ``topk`` returns tied (and, unsorted, all) elements.

PyTorch's CPU kernel fills a queue of (value, index) pairs in input order and selects with the
C++ standard library: ``std::partial_sort`` when ``k * 64 <= n``, else ``std::nth_element``
followed (when ``sorted``) by ``std::sort`` of the first ``k - 1`` slots. Neither is stable,
so which of several equal values comes first, and the whole unsorted order, is whatever
libstdc++'s introselect / heap / introsort steps leave. This module replays those steps on
integer keys (equal values get equal keys, NaN ranks first for ``largest``) so the result
matches element for element. It runs in Python per row, so ``topk`` calls it only for rows
where the vectorised answer could differ.

>>> topk_row([1, 0, 1, 0], 2)          # keys: lower is "better"; returns queue positions
[1, 3]
"""


def topk_row(keys, k, sort=True):
    """Input positions of the ``k`` best (lowest) keys, in the order PyTorch's CPU topk leaves
    them (``sort``: its ``sorted`` flag)."""
    n = len(keys)
    if k == 0:
        return []
    q = [(kv, i) for i, kv in enumerate(keys)]
    if k * 64 <= n:
        _partial_sort(q, 0, k, n)
    else:
        _nth_element(q, 0, k - 1, n)
        if sort:
            _sort(q, 0, k - 1)
    return [q[j][1] for j in range(k)]


# NOTE: every helper compares keys only (``a[0] < b[0]``): the pair's index never breaks a tie,
# exactly like PyTorch's comparator, which looks at values alone.

def _lg(n):
    return n.bit_length() - 1


def _push_heap(q, first, hole, top, value):
    parent = (hole - 1) // 2
    while hole > top and q[first + parent][0] < value[0]:
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _adjust_heap(q, first, hole, length, value):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if q[first + child][0] < q[first + child - 1][0]:
            child -= 1
        q[first + hole] = q[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[first + hole] = q[first + child - 1]
        hole = child - 1
    _push_heap(q, first, hole, top, value)


def _make_heap(q, first, last):
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(q, first, parent, length, q[first + parent])
        if parent == 0:
            return
        parent -= 1


def _pop_heap(q, first, last, result):
    value = q[result]
    q[result] = q[first]
    _adjust_heap(q, first, 0, last - first, value)


def _heap_select(q, first, middle, last):
    _make_heap(q, first, middle)
    for i in range(middle, last):
        if q[i][0] < q[first][0]:
            _pop_heap(q, first, middle, i)


def _sort_heap(q, first, last):
    while last - first > 1:
        last -= 1
        _pop_heap(q, first, last, last)


def _partial_sort(q, first, middle, last):
    _heap_select(q, first, middle, last)
    _sort_heap(q, first, middle)


def _move_median_to_first(q, result, a, b, c):
    ka, kb, kc = q[a][0], q[b][0], q[c][0]
    if ka < kb:
        if kb < kc:
            m = b
        elif ka < kc:
            m = c
        else:
            m = a
    elif ka < kc:
        m = a
    elif kb < kc:
        m = c
    else:
        m = b
    q[result], q[m] = q[m], q[result]


def _unguarded_partition(q, first, last, pivot):
    pk = q[pivot][0]
    while True:
        while q[first][0] < pk:
            first += 1
        last -= 1
        while pk < q[last][0]:
            last -= 1
        if not first < last:
            return first
        q[first], q[last] = q[last], q[first]
        first += 1


def _partition_pivot(q, first, last):
    mid = first + (last - first) // 2
    _move_median_to_first(q, first, first + 1, mid, last - 1)
    return _unguarded_partition(q, first + 1, last, first)


def _linear_insert(q, last):
    value = q[last]
    nxt = last - 1
    while value[0] < q[nxt][0]:
        q[last] = q[nxt]
        last = nxt
        nxt -= 1
    q[last] = value


def _insertion_sort(q, first, last):
    if first == last:
        return
    for i in range(first + 1, last):
        if q[i][0] < q[first][0]:
            value = q[i]
            q[first + 1:i + 1] = q[first:i]
            q[first] = value
        else:
            _linear_insert(q, i)


def _nth_element(q, first, nth, last):
    if first == last or nth == last:
        return
    depth = 2 * _lg(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        cut = _partition_pivot(q, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last)


def _introsort_loop(q, first, last, depth):
    while last - first > 16:
        if depth == 0:
            _partial_sort(q, first, last, last)
            return
        depth -= 1
        cut = _partition_pivot(q, first, last)
        _introsort_loop(q, cut, last, depth)
        last = cut


def _sort(q, first, last):
    if last - first < 2:
        return
    _introsort_loop(q, first, last, 2 * _lg(last - first))
    if last - first > 16:
        _insertion_sort(q, first, first + 16)
        for i in range(first + 16, last):
            _linear_insert(q, i)
    else:
        _insertion_sort(q, first, last)
