"""Legacy type names ('torch.FloatTensor') used by ``Tensor.type()`` and error messages."""


def legacy_type_name(t):
    """'ember.FloatTensor' style name of a tensor's dtype and device."""
    name = t._dtype.tensor_type_name or (t._dtype.scalar_name + "Tensor")
    if t.is_cuda:
        return "ember.cuda." + name
    return "ember." + name
