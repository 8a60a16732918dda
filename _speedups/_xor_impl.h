/*
 * XOR masking loops for WebSocket payloads (RFC 6455, section 5.3).
 *
 * Every loop computes dst[i] = src[i] ^ mask[(phase + i) % 4].
 *
 * Three variants, chosen once at run time:
 *
 *   WS_XOR_WORD  portable 64-bit word loop, compiled everywhere;
 *   WS_XOR_SSE2  16-byte vectors, x86 only;
 *   WS_XOR_AVX2  32-byte vectors, x86 with GCC or Clang only, because it
 *                needs __builtin_cpu_supports() to detect the CPU.
 *
 * The SIMD loops are compiled with __attribute__((target(...))) so that the
 * extension needs no per-file compiler flags; the CPU check guarantees that
 * they only run where the instructions exist. Other compilers and
 * architectures (MSVC on ARM, GCC on aarch64, ...) only see the word loop.
 *
 * All its state is `static`, so each extension module that includes it has
 * its own copy. websockets._speedups.mask selects the loop and exports where
 * it stores it in a capsule; the framing kernel passes that to
 * ws_xor_share(), so both kernels always run the same loop.
 *
 * dst and src may be the same pointer (in-place masking) but must not
 * otherwise overlap.
 */

#ifndef WEBSOCKETS_XOR_IMPL_H
#define WEBSOCKETS_XOR_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#  include <immintrin.h>
#  define WS_XOR_HAVE_SSE2 1
#  define WS_XOR_HAVE_AVX2 1
#  define WS_XOR_TARGET_SSE2 __attribute__((target("sse2")))
#  define WS_XOR_TARGET_AVX2 __attribute__((target("avx2")))
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_AMD64))
/* SSE2 is part of the x86-64 baseline: no CPU check and no attribute. */
#  include <emmintrin.h>
#  define WS_XOR_HAVE_SSE2 1
#  define WS_XOR_HAVE_AVX2 0
#  define WS_XOR_TARGET_SSE2
#else
#  define WS_XOR_HAVE_SSE2 0
#  define WS_XOR_HAVE_AVX2 0
#endif

enum {
    WS_XOR_WORD = 0,
    WS_XOR_SSE2 = 1,
    WS_XOR_AVX2 = 2,
    WS_XOR_COUNT = 3
};

/* Below this length, the scalar loop beats the call through a pointer. */
#define WS_XOR_SMALL 16

/* From this length on, the SIMD loops align their stores first. */
#define WS_XOR_ALIGN_MIN 512

/* mask points to the 4 mask bytes already rotated by the phase. */
typedef void (*ws_xor_fn_t)(unsigned char *dst, const unsigned char *src,
                            size_t n, const unsigned char *mask);

static inline void
ws_xor_bytes(unsigned char *dst, const unsigned char *src, size_t n,
             const unsigned char *mask)
{
    size_t i;
    for (i = 0; i < n; i++) {
        dst[i] = src[i] ^ mask[i & 3];
    }
}

static inline void
ws_xor_word(unsigned char *dst, const unsigned char *src, size_t n,
            const unsigned char *mask)
{
    unsigned char mask8[8];
    uint64_t m, a, b, c, d;
    size_t i = 0;

    /* memcpy() compiles to plain unaligned loads and stores and keeps the
       loop free of alignment and strict-aliasing assumptions. Since i is
       always a multiple of 8 in the loops, the mask phase never shifts. */
    memcpy(mask8, mask, 4);
    memcpy(mask8 + 4, mask, 4);
    memcpy(&m, mask8, 8);
    for (; i + 32 <= n; i += 32) {
        memcpy(&a, src + i, 8);
        memcpy(&b, src + i + 8, 8);
        memcpy(&c, src + i + 16, 8);
        memcpy(&d, src + i + 24, 8);
        a ^= m; b ^= m; c ^= m; d ^= m;
        memcpy(dst + i, &a, 8);
        memcpy(dst + i + 8, &b, 8);
        memcpy(dst + i + 16, &c, 8);
        memcpy(dst + i + 24, &d, 8);
    }
    for (; i + 8 <= n; i += 8) {
        memcpy(&a, src + i, 8);
        a ^= m;
        memcpy(dst + i, &a, 8);
    }
    ws_xor_bytes(dst + i, src + i, n - i, mask);
}

#if WS_XOR_HAVE_SSE2
WS_XOR_TARGET_SSE2 static inline void
ws_xor_sse2(unsigned char *dst, const unsigned char *src, size_t n,
            const unsigned char *mask)
{
    unsigned char rot[4];
    uint32_t m32;
    __m128i vm;
    size_t head, i, k;

    /* Align the stores on long inputs: loads may straddle cache lines, but
       such stores cost more; storeu is as fast as store on aligned data.
       Short inputs don't amortize the extra steps.
       The mask is rotated by the length of the unaligned head. */
    head = 0;
    if (n >= WS_XOR_ALIGN_MIN) {
        head = (size_t)(-(uintptr_t)dst) & 15;
        ws_xor_word(dst, src, head, mask);
    }
    for (k = 0; k < 4; k++) {
        rot[k] = mask[(head + k) & 3];
    }
    memcpy(&m32, rot, 4);
    vm = _mm_set1_epi32((int)m32);
    i = head;
    for (; i + 64 <= n; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, vm));
        _mm_storeu_si128((__m128i *)(dst + i + 16), _mm_xor_si128(b, vm));
        _mm_storeu_si128((__m128i *)(dst + i + 32), _mm_xor_si128(c, vm));
        _mm_storeu_si128((__m128i *)(dst + i + 48), _mm_xor_si128(d, vm));
    }
    for (; i + 16 <= n; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, vm));
    }
    ws_xor_word(dst + i, src + i, n - i, rot);
}
#endif

#if WS_XOR_HAVE_AVX2
WS_XOR_TARGET_AVX2 static inline void
ws_xor_avx2(unsigned char *dst, const unsigned char *src, size_t n,
            const unsigned char *mask)
{
    unsigned char rot[4];
    uint32_t m32;
    __m256i vm;
    size_t head, i, k;

    head = 0;
    if (n >= WS_XOR_ALIGN_MIN) {
        head = (size_t)(-(uintptr_t)dst) & 31;
        ws_xor_word(dst, src, head, mask);
    }
    for (k = 0; k < 4; k++) {
        rot[k] = mask[(head + k) & 3];
    }
    memcpy(&m32, rot, 4);
    vm = _mm256_set1_epi32((int)m32);
    i = head;
    for (; i + 128 <= n; i += 128) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(src + i + 32));
        __m256i c = _mm256_loadu_si256((const __m256i *)(src + i + 64));
        __m256i d = _mm256_loadu_si256((const __m256i *)(src + i + 96));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, vm));
        _mm256_storeu_si256((__m256i *)(dst + i + 32), _mm256_xor_si256(b, vm));
        _mm256_storeu_si256((__m256i *)(dst + i + 64), _mm256_xor_si256(c, vm));
        _mm256_storeu_si256((__m256i *)(dst + i + 96), _mm256_xor_si256(d, vm));
    }
    for (; i + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, vm));
    }
    if (i + 16 <= n) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        _mm_storeu_si128((__m128i *)(dst + i),
                        _mm_xor_si128(a, _mm256_castsi256_si128(vm)));
        i += 16;
    }
    ws_xor_word(dst + i, src + i, n - i, rot);
}
#endif

static const char *const ws_xor_names[WS_XOR_COUNT] = {"word", "sse2", "avx2"};

/* Name of a variant, or NULL if impl is out of range. */
static inline const char *
ws_xor_name(int impl)
{
    if (impl < 0 || impl >= WS_XOR_COUNT) {
        return NULL;
    }
    return ws_xor_names[impl];
}

/* Variant number for a name, or -1 if the name is unknown. */
static inline int
ws_xor_lookup(const char *name)
{
    int impl;
    if (name == NULL) {
        return -1;
    }
    for (impl = 0; impl < WS_XOR_COUNT; impl++) {
        if (strcmp(name, ws_xor_names[impl]) == 0) {
            return impl;
        }
    }
    return -1;
}

/* 1 if this build and this CPU can run the variant, 0 otherwise. */
static inline int
ws_xor_supported(int impl)
{
    switch (impl) {
    case WS_XOR_WORD:
        return 1;
#if WS_XOR_HAVE_SSE2
    case WS_XOR_SSE2:
#  if defined(__GNUC__) || defined(__clang__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse2") ? 1 : 0;
#  else
        return 1;
#  endif
#endif
#if WS_XOR_HAVE_AVX2
    case WS_XOR_AVX2:
        /* This also checks that the OS saves the YMM registers. */
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
    default:
        return 0;
    }
}

static inline int
ws_xor_best(void)
{
    int impl;
    for (impl = WS_XOR_COUNT - 1; impl > 0; impl--) {
        if (ws_xor_supported(impl)) {
            return impl;
        }
    }
    return WS_XOR_WORD;
}

static inline ws_xor_fn_t
ws_xor_function(int impl)
{
    switch (impl) {
#if WS_XOR_HAVE_SSE2
    case WS_XOR_SSE2:
        return ws_xor_sse2;
#endif
#if WS_XOR_HAVE_AVX2
    case WS_XOR_AVX2:
        return ws_xor_avx2;
#endif
    default:
        return ws_xor_word;
    }
}

static void ws_xor_resolve(unsigned char *, const unsigned char *, size_t,
                           const unsigned char *);

/* The loop in use starts at the resolver, which replaces it on first use.
   Concurrent first calls all store the same value, so the race is benign. */
static ws_xor_fn_t ws_xor_loop = ws_xor_resolve;
static int ws_xor_selected = -1;

/* Where the loop in use is stored: this module's ws_xor_loop, or another
   module's after ws_xor_share(). */
static ws_xor_fn_t *ws_xor_dispatch = &ws_xor_loop;

/* Use the loop that another module selects, from now on. */
static inline void
ws_xor_share(ws_xor_fn_t *dispatch)
{
    ws_xor_dispatch = dispatch;
}

/* Force a variant. Return 0 on success, -1 if it isn't supported here. */
static inline int
ws_xor_select(int impl)
{
    if (!ws_xor_supported(impl)) {
        return -1;
    }
    ws_xor_selected = impl;
    ws_xor_loop = ws_xor_function(impl);
    return 0;
}

/* Select the fastest variant that this CPU supports. This header only
   detects; websockets._speedups.mask applies the WEBSOCKETS_MASK_IMPL
   override, through ws_xor_select(), when it's imported. */
static inline int
ws_xor_init(void)
{
    int impl = ws_xor_best();
    ws_xor_select(impl);
    return impl;
}

/* Variant in use, selecting it first if needed. */
static inline int
ws_xor_current(void)
{
    if (ws_xor_selected < 0) {
        ws_xor_init();
    }
    return ws_xor_selected;
}

static void
ws_xor_resolve(unsigned char *dst, const unsigned char *src, size_t n,
               const unsigned char *mask)
{
    ws_xor_init();
    ws_xor_loop(dst, src, n, mask);
}

/* dst[i] = src[i] ^ mask[(phase + i) % 4] for 0 <= i < n.

   Only phase & 3 matters, so any offset into the payload works, including
   negative ones, with the same meaning as Python's offset % 4. */
static inline void
ws_xor_mask(unsigned char *dst, const unsigned char *src, Py_ssize_t n,
            const unsigned char *mask, Py_ssize_t phase)
{
    unsigned char rot[4];
    size_t p = (size_t)phase & 3;

    if (n <= 0) {
        return;
    }
    rot[0] = mask[p];
    rot[1] = mask[(p + 1) & 3];
    rot[2] = mask[(p + 2) & 3];
    rot[3] = mask[(p + 3) & 3];
    if (n < WS_XOR_SMALL) {
        ws_xor_bytes(dst, src, (size_t)n, rot);
    } else {
        (*ws_xor_dispatch)(dst, src, (size_t)n, rot);
    }
}

#endif /* WEBSOCKETS_XOR_IMPL_H */
