# cython: language_level=3
"""
C-level XOR masking helpers (RFC 6455, section 5.3), shared by the kernels.

Usage from another kernel::

    from _xor cimport xor_mask_inplace, xor_mask_copy

Both helpers compute ``dst[i] = src[i] ^ mask[(phase + i) % 4]``:

* ``mask`` points to the 4 bytes of the masking key, in wire order;
* ``phase`` is how many payload bytes were already unmasked with this key,
  i.e. the offset into the mask cycle; only ``phase % 4`` matters and any
  ``Py_ssize_t`` is accepted, negative values included;
* ``length <= 0`` does nothing;
* they don't touch Python objects, so they may run without the GIL.

The loop (AVX2, SSE2 or portable 64-bit words) is chosen on first use from
the CPU and the ``WEBSOCKETS_MASK_IMPL`` environment variable; see
``_xor_impl.h``. Each extension module that cimports this file has its own
copy of that choice.

"""

cdef extern from "_xor_impl.h" nogil:
    enum:
        WS_XOR_WORD
        WS_XOR_SSE2
        WS_XOR_AVX2
        WS_XOR_COUNT

    void ws_xor_mask(
        unsigned char* dst,
        const unsigned char* src,
        Py_ssize_t length,
        const unsigned char* mask,
        Py_ssize_t phase,
    )
    const char* ws_xor_name(int impl)
    int ws_xor_lookup(const char* name)
    int ws_xor_supported(int impl)
    int ws_xor_select(int impl)
    int ws_xor_current()


cdef inline void xor_mask_inplace(
    unsigned char* buf,
    Py_ssize_t length,
    const unsigned char* mask,
    Py_ssize_t phase,
) noexcept nogil:
    """Unmask ``buf[:length]`` in place, starting at ``phase`` in the mask."""
    ws_xor_mask(buf, buf, length, mask, phase)


cdef inline void xor_mask_copy(
    unsigned char* dst,
    const unsigned char* src,
    Py_ssize_t length,
    const unsigned char* mask,
    Py_ssize_t phase,
) noexcept nogil:
    """Write ``src[:length]`` masked into ``dst``; they must not overlap."""
    ws_xor_mask(dst, src, length, mask, phase)
