"""
Micro-benchmarks of the compiled kernels, pure vs compiled vs peers.

Run them from the repository root, e.g. ``python -m benchmarks.micro.mask``.

"""
