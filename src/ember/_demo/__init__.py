"""``python -m ember demo``: train a small CNN on the embedded digits and report on it.

model.py holds the network, train.py the training program, figure.py the PNG report.
"""
