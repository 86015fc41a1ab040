"""cuDNN flags. ember's CUDA backend (CuPy) has no cuDNN: ``is_available()`` is False and the
flags only remember what the program set."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: ember does not use cuDNN."""
    return False


def version():
    return None
