//! Bit masks of byte classes over many 64-byte blocks per call: 32 bytes
//! per compare with AVX2 when the processor has it (checked at run time),
//! 16 bytes per compare (SSE2, `text::block_masks`) otherwise. Scanners
//! compute the masks of a batch of blocks here, then read events off the
//! bits.
//!
//! The second place with unsafe code: the 32-byte loads and the call into
//! the AVX2 function after the run-time check.
#![allow(unsafe_code)]

/// Blocks per call a scanner passes (4 KiB: the masks stay in L1).
pub const BATCH: usize = 64;

/// For each block, the mask of each needle (bit `i`: byte `i` of the
/// block); `out` has at least as many entries as there are blocks.
#[inline]
pub fn masks<const N: usize>(blocks: &[[u8; 64]], needles: [u8; N], out: &mut [[u64; N]]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        unsafe { avx2::masks(blocks, needles, out) };
        return;
    }
    for (b, o) in blocks.iter().zip(out.iter_mut()) {
        *o = super::text::block_masks(b, needles);
    }
}

/// For each block, the masks of JSON's string bytes: quotes, backslashes
/// and control characters (below 0x20).
#[inline]
pub fn json_masks(blocks: &[[u8; 64]], out: &mut [[u64; 3]]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        unsafe { avx2::json_masks(blocks, out) };
        return;
    }
    for (b, o) in blocks.iter().zip(out.iter_mut()) {
        *o = json_block(b);
    }
}

/// `json_masks` of one block, 16 bytes at a time.
#[inline(always)]
pub fn json_block(b: &[u8; 64]) -> [u64; 3] {
    use wide::u8x16;
    let control = u8x16::splat(0x1f);
    let (parts, _) = b.as_chunks::<16>();
    let mut ctl = 0u64;
    for (i, p) in parts.iter().enumerate() {
        let v = u8x16::new(*p);
        // v <= 0x1f exactly when min(v, 0x1f) == v
        ctl |= u64::from(v.min(control).simd_eq(v).to_bitmask()) << (i * 16);
    }
    let [quotes, bs] = super::text::block_masks(b, [b'"', b'\\']);
    [quotes, bs, ctl]
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };

    /// The two 32-byte halves of a block.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn halves(b: &[u8; 64]) -> (__m256i, __m256i) {
        let p = b.as_ptr();
        // SAFETY: `b` is 64 readable bytes; these loads need no alignment.
        unsafe {
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(32).cast()),
            )
        }
    }

    /// The 64-bit mask of the bytes where `eq` holds, from its two halves.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn bits(lo: __m256i, hi: __m256i) -> u64 {
        let l = _mm256_movemask_epi8(lo) as u32;
        let h = _mm256_movemask_epi8(hi) as u32;
        u64::from(l) | (u64::from(h) << 32)
    }

    #[target_feature(enable = "avx2")]
    pub fn json_masks(blocks: &[[u8; 64]], out: &mut [[u64; 3]]) {
        let (quote, slash, control) = (
            _mm256_set1_epi8(b'"' as i8),
            _mm256_set1_epi8(b'\\' as i8),
            _mm256_set1_epi8(0x1f),
        );
        for (b, o) in blocks.iter().zip(out.iter_mut()) {
            let (lo, hi) = halves(b);
            *o = [
                bits(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote)),
                bits(_mm256_cmpeq_epi8(lo, slash), _mm256_cmpeq_epi8(hi, slash)),
                bits(
                    _mm256_cmpeq_epi8(_mm256_min_epu8(lo, control), lo),
                    _mm256_cmpeq_epi8(_mm256_min_epu8(hi, control), hi),
                ),
            ];
        }
    }

    #[target_feature(enable = "avx2")]
    pub fn masks<const N: usize>(blocks: &[[u8; 64]], needles: [u8; N], out: &mut [[u64; N]]) {
        let find: [__m256i; N] = needles.map(|n| _mm256_set1_epi8(n as i8));
        for (b, o) in blocks.iter().zip(out.iter_mut()) {
            let (lo, hi) = halves(b);
            for (mk, f) in o.iter_mut().zip(find) {
                *mk = bits(_mm256_cmpeq_epi8(lo, f), _mm256_cmpeq_epi8(hi, f));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain(b: &[u8; 64], needle: u8) -> u64 {
        b.iter()
            .enumerate()
            .filter(|&(_, &c)| c == needle)
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    proptest! {
        #[test]
        fn masks_are_the_positions_of_the_needles(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'"'), Just(b'?'), Just(0x80u8), Just(0xffu8), any::<u8>()],
                64..64 * 5,
            )
        ) {
            let (blocks, _) = bytes.as_chunks::<64>();
            let needles = [b'\n', b'"', b'?', 0xff];
            let mut out = [[0u64; 4]; 5];
            masks(blocks, needles, &mut out);
            for (b, o) in blocks.iter().zip(out) {
                let want = needles.map(|n| plain(b, n));
                prop_assert_eq!(o, want);
                prop_assert_eq!(super::super::text::block_masks(b, needles), want);
            }
        }

        #[test]
        fn json_masks_are_quotes_backslashes_and_controls(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1fu8), Just(0x20u8), Just(0u8), Just(0x80u8), any::<u8>()],
                64..64 * 5,
            )
        ) {
            let (blocks, _) = bytes.as_chunks::<64>();
            let mut out = [[0u64; 3]; 5];
            json_masks(blocks, &mut out);
            for (b, o) in blocks.iter().zip(out) {
                let controls = b.iter().enumerate().filter(|&(_, &c)| c < 0x20).fold(0, |m, (i, _)| m | 1 << i);
                let want = [plain(b, b'"'), plain(b, b'\\'), controls];
                prop_assert_eq!(o, want);
                prop_assert_eq!(json_block(b), want);
            }
        }
    }
}
