"""The Whoosh engine: the on-disk index, the audience flags, scoring and search as one viewer."""
