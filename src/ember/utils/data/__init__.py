"""ember.utils.data: datasets, samplers and the DataLoader (being built; see the data issue)."""
