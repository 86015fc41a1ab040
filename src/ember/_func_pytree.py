"""The small pytree that ``ember.func`` needs: tensors nested in tuples, lists and dicts,
flattened to a list of leaves and rebuilt in the same structure."""


def tree_flatten(tree):
    """(leaves, spec) for ``tree``; tuples, lists and dicts are containers, all else a leaf."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub_leaves, sub_spec = tree_flatten(item)
            leaves += sub_leaves
            specs.append((len(sub_leaves), sub_spec))
        return leaves, (type(tree), None, specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for item in tree.values():
            sub_leaves, sub_spec = tree_flatten(item)
            leaves += sub_leaves
            specs.append((len(sub_leaves), sub_spec))
        return leaves, (dict, list(tree.keys()), specs)
    return [tree], None


def tree_unflatten(leaves, spec):
    if spec is None:
        return leaves[0]
    kind, keys, specs = spec
    items, start = [], 0
    for count, sub_spec in specs:
        items.append(tree_unflatten(leaves[start:start + count], sub_spec))
        start += count
    if kind is dict:
        return dict(zip(keys, items))
    if kind is tuple or kind is list:
        return kind(items)
    return kind(*items)   # a namedtuple


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)
