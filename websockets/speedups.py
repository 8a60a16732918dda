"""
Compatibility module: ``websockets.speedups.apply_mask`` is the compiled
masking function, and importing this module fails with :exc:`ImportError`
when the extension isn't built, as in websockets.

"""

from __future__ import annotations

from ._speedups.mask import apply_mask


__all__ = ["apply_mask"]
