"""ember.optim: optimizers and learning-rate schedulers (being built; see the optim issue)."""
