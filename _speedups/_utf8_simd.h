/*
 * Vectorised UTF-8 validation for the utf8 kernel (RFC 6455, section 8.1:
 * the payload of a Text message must be valid UTF-8, RFC 3629).
 *
 * ws_utf8_avx2_prefix(s, n) returns a length p <= n such that s[0:p] is a
 * sequence of complete, valid characters. It stops early, at a 32-byte
 * block boundary (moved back to the start of the character that straddles
 * it), as soon as a block may contain an error, and it never looks at a
 * partial block at the end. The caller validates s[p:n] with the scalar
 * code in utf8.pyx, which finds the exact position and reason of an error,
 * exactly like CPython's decoder. So this code only has to be right about
 * valid input; being too strict would only make the scalar code run.
 *
 * The error check is the "lookup" algorithm of J. Keiser and D. Lemire,
 * "Validating UTF-8 In Less Than One Instruction Per Byte", Software:
 * Practice and Experience 51(5), 2021: three 16-entry tables indexed by the
 * nibbles of each pair of consecutive bytes flag every invalid 2-byte
 * pattern, and a saturating subtraction checks that third and fourth bytes
 * of 3- and 4-byte sequences are continuation bytes.
 *
 * The AVX2 code is compiled with __attribute__((target("avx2"))) and only
 * runs after __builtin_cpu_supports("avx2") said yes, so the extension
 * needs no per-file compiler flags. Other compilers and architectures get
 * a stub that validates nothing, and the scalar code does all the work.
 */

#ifndef WEBSOCKETS_UTF8_SIMD_H
#define WEBSOCKETS_UTF8_SIMD_H

#include <stddef.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#  include <immintrin.h>
#  define WS_UTF8_HAVE_AVX2 1
#else
#  define WS_UTF8_HAVE_AVX2 0
#endif

#if WS_UTF8_HAVE_AVX2

/* 1 if this CPU (and OS) can run AVX2 code. */
static int
ws_utf8_avx2_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* Error classes of a pair of consecutive bytes (first byte, second byte). */
#define WS_TOO_SHORT   (1 << 0) /* lead or ASCII, then lead or ASCII:
                                   only wrong after a lead */
#define WS_TOO_LONG    (1 << 1) /* ASCII, then continuation */
#define WS_OVERLONG_3  (1 << 2) /* E0, then 80..9F */
#define WS_TOO_LARGE   (1 << 3) /* F4 then 90..BF, or F5..FF then 90..BF */
#define WS_SURROGATE   (1 << 4) /* ED, then A0..BF */
#define WS_OVERLONG_2  (1 << 5) /* C0 or C1, then continuation */
#define WS_TOO_LARGE_1000 (1 << 6) /* F5..FF, then 80..8F */
#define WS_OVERLONG_4  (1 << 6) /* F0, then 80..8F (shares the bit above) */
#define WS_TWO_CONTS   (1 << 7) /* continuation, then continuation: only
                                   right as byte 3 or 4 of a sequence */
/* Classes that don't depend on the low nibble of the first byte. */
#define WS_CARRY (WS_TOO_SHORT | WS_TOO_LONG | WS_TWO_CONTS)

/* A 16-entry table, repeated in both 128-bit lanes for vpshufb. */
#define WS_TABLE(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
    _mm256_setr_epi8(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, \
                     a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)

/* Bytes of `input` shifted by `count` positions, the gap being filled with
   the last bytes of `prev`: result[k] = (prev ++ input)[32 + k - count]. */
#define WS_PREV(input, prev, count) \
    _mm256_alignr_epi8((input), \
                       _mm256_permute2x128_si256((prev), (input), 0x21), \
                       16 - (count))

__attribute__((target("avx2")))
static size_t
ws_utf8_avx2_prefix(const unsigned char *s, size_t n)
{
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i byte_1_high_table = WS_TABLE(
        /* 0_______: ASCII */
        WS_TOO_LONG, WS_TOO_LONG, WS_TOO_LONG, WS_TOO_LONG,
        WS_TOO_LONG, WS_TOO_LONG, WS_TOO_LONG, WS_TOO_LONG,
        /* 10______: continuation */
        WS_TWO_CONTS, WS_TWO_CONTS, WS_TWO_CONTS, WS_TWO_CONTS,
        /* 1100____: 2-byte lead, C0 and C1 are overlong */
        WS_TOO_SHORT | WS_OVERLONG_2,
        /* 1101____: 2-byte lead */
        WS_TOO_SHORT,
        /* 1110____: 3-byte lead */
        WS_TOO_SHORT | WS_OVERLONG_3 | WS_SURROGATE,
        /* 1111____: 4-byte lead, or F5..FF which never are valid */
        WS_TOO_SHORT | WS_TOO_LARGE | WS_TOO_LARGE_1000 | WS_OVERLONG_4);
    const __m256i byte_1_low_table = WS_TABLE(
        /* ____0000: C0, E0, F0 */
        WS_CARRY | WS_OVERLONG_2 | WS_OVERLONG_3 | WS_OVERLONG_4,
        /* ____0001: C1 */
        WS_CARRY | WS_OVERLONG_2,
        /* ____0010, ____0011 */
        WS_CARRY,
        WS_CARRY,
        /* ____0100: F4 */
        WS_CARRY | WS_TOO_LARGE,
        /* ____0101 to ____1100: F5..FC */
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        /* ____1101: ED, FD */
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000 | WS_SURROGATE,
        /* ____1110, ____1111: FE, FF */
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000,
        WS_CARRY | WS_TOO_LARGE | WS_TOO_LARGE_1000);
    const __m256i byte_2_high_table = WS_TABLE(
        /* 0_______: ASCII */
        WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT,
        WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT,
        /* 1000____ */
        WS_TOO_LONG | WS_OVERLONG_2 | WS_TWO_CONTS | WS_OVERLONG_3
            | WS_TOO_LARGE_1000 | WS_OVERLONG_4,
        /* 1001____ */
        WS_TOO_LONG | WS_OVERLONG_2 | WS_TWO_CONTS | WS_OVERLONG_3
            | WS_TOO_LARGE,
        /* 101_____ */
        WS_TOO_LONG | WS_OVERLONG_2 | WS_TWO_CONTS | WS_SURROGATE
            | WS_TOO_LARGE,
        WS_TOO_LONG | WS_OVERLONG_2 | WS_TWO_CONTS | WS_SURROGATE
            | WS_TOO_LARGE,
        /* 11______: lead */
        WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT, WS_TOO_SHORT);
    /* A block ends inside a character if one of its last three bytes is a
       lead that needs more bytes than remain in the block. */
    const __m256i incomplete_max = _mm256_setr_epi8(
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
    const __m256i zero = _mm256_setzero_si256();
    __m256i prev = zero;
    __m256i prev_incomplete = zero;
    size_t i = 0;

    while (i + 32 <= n) {
        __m256i input;
        if (_mm256_testz_si256(prev_incomplete, prev_incomplete)) {
            /* At a character boundary: skip ASCII 128 bytes at a time. */
            size_t start = i;
            while (i + 128 <= n) {
                __m256i a = _mm256_loadu_si256((const __m256i *)(s + i));
                __m256i b = _mm256_loadu_si256((const __m256i *)(s + i + 32));
                __m256i c = _mm256_loadu_si256((const __m256i *)(s + i + 64));
                __m256i d = _mm256_loadu_si256((const __m256i *)(s + i + 96));
                __m256i any = _mm256_or_si256(_mm256_or_si256(a, b),
                                              _mm256_or_si256(c, d));
                if (_mm256_movemask_epi8(any) != 0) {
                    break;
                }
                i += 128;
            }
            if (i != start) {
                /* As the previous byte of the next block, any ASCII byte
                   behaves like NUL. */
                prev = zero;
                if (i + 32 > n) {
                    break;
                }
            }
        }
        input = _mm256_loadu_si256((const __m256i *)(s + i));
        if (_mm256_movemask_epi8(input) == 0) {
            /* ASCII can't complete a character left open by prev. */
            if (!_mm256_testz_si256(prev_incomplete, prev_incomplete)) {
                break;
            }
            /* prev_incomplete is already zero. */
        } else {
            __m256i prev1 = WS_PREV(input, prev, 1);
            __m256i prev2 = WS_PREV(input, prev, 2);
            __m256i prev3 = WS_PREV(input, prev, 3);
            __m256i byte_1_high = _mm256_shuffle_epi8(
                byte_1_high_table,
                _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
            __m256i byte_1_low = _mm256_shuffle_epi8(
                byte_1_low_table, _mm256_and_si256(prev1, nibble));
            __m256i byte_2_high = _mm256_shuffle_epi8(
                byte_2_high_table,
                _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
            __m256i special = _mm256_and_si256(
                _mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
            /* Third bytes follow 111_____ at distance 2 and fourth bytes
               follow 1111____ at distance 3: only they get bit 7 set. */
            __m256i must_be_23 = _mm256_or_si256(
                _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
                _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
            __m256i must_be_23_80 = _mm256_and_si256(
                must_be_23, _mm256_set1_epi8((char)0x80));
            /* Two continuations in a row are right exactly where a third
               or fourth byte is expected: the XOR clears that bit. */
            __m256i error = _mm256_xor_si256(must_be_23_80, special);
            if (!_mm256_testz_si256(error, error)) {
                break;
            }
            prev_incomplete = _mm256_subs_epu8(input, incomplete_max);
        }
        prev = input;
        i += 32;
    }

    /* s[0:i] is valid, except that it may end inside a character: move
       back to the start of that character. */
    if (i >= 1 && s[i - 1] >= 0xC0) {
        return i - 1;
    }
    if (i >= 2 && s[i - 2] >= 0xE0) {
        return i - 2;
    }
    if (i >= 3 && s[i - 3] >= 0xF0) {
        return i - 3;
    }
    return i;
}

#undef WS_TABLE
#undef WS_PREV

#else /* !WS_UTF8_HAVE_AVX2 */

static int
ws_utf8_avx2_supported(void)
{
    return 0;
}

static size_t
ws_utf8_avx2_prefix(const unsigned char *s, size_t n)
{
    (void)s;
    (void)n;
    return 0;
}

#endif /* WS_UTF8_HAVE_AVX2 */

#endif /* WEBSOCKETS_UTF8_SIMD_H */
