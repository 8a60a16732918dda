"""
Pure-Python twins of the compiled kernels in ``_speedups/``.

They are the reference implementations: the compiled modules must behave
exactly like them. :mod:`websockets._accel` chooses between the two.

"""
