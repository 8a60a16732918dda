"""
Fuzzing of the parsers, with differential oracles between the kernel twins.

See ``docs/fuzzing.rst``. Targets live in :mod:`tests.fuzzing.targets`, seed
inputs in ``tests/fuzzing/corpus/<target>/``, and ``python -m
tests.fuzzing.run`` runs campaigns.

"""
