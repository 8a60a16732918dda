# cython: language_level=3
"""
C declarations of the XOR masking loops (RFC 6455, section 5.3), from
``_xor_impl.h``.

``ws_xor_mask(dst, src, length, mask, phase)`` computes
``dst[i] = src[i] ^ mask[(phase + i) % 4]``:

* ``mask`` points to the 4 bytes of the masking key, in wire order;
* ``phase`` is how many payload bytes were already unmasked with this key,
  i.e. the offset into the mask cycle; only ``phase % 4`` matters and any
  ``Py_ssize_t`` is accepted, negative values included;
* ``length <= 0`` does nothing;
* ``dst`` and ``src`` may be equal but must not otherwise overlap;
* it doesn't touch Python objects, so it may run without the GIL.

The loop (AVX2, SSE2 or portable 64-bit words) is selected by ``mask.pyx``
only, with ``ws_xor_select()``; it exports ``ws_xor_dispatch`` in a capsule,
and ``framing.pyx`` passes that to ``ws_xor_share()``: both kernels run the
same loop.

"""

cdef extern from "_xor_impl.h" nogil:
    enum:
        WS_XOR_WORD
        WS_XOR_SSE2
        WS_XOR_AVX2
        WS_XOR_COUNT

    ctypedef void (*ws_xor_fn_t)(
        unsigned char* dst,
        const unsigned char* src,
        size_t length,
        const unsigned char* mask,
    )
    ws_xor_fn_t* ws_xor_dispatch

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
    void ws_xor_share(ws_xor_fn_t* dispatch)
