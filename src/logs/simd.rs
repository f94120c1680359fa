//! Bit masks of byte classes over many 64-byte blocks per call: a whole
//! block per compare with AVX-512BW, 32 bytes with AVX2 (whichever the
//! processor has, checked at run time), 16 bytes per compare (SSE2,
//! `block_masks`) otherwise. Scanners compute the masks of a batch of
//! blocks here, then read events off the bits.
//!
//! The second place with unsafe code: the 64- and 32-byte loads and the
//! calls into the AVX-512 and AVX2 functions after the run-time checks.
#![allow(unsafe_code)]

use wide::u8x16;

/// Blocks per call a scanner passes (4 KiB: the masks stay in L1).
pub const BATCH: usize = 64;
const _: () = assert!(BATCH.is_power_of_two());

/// For each block, the mask of each needle (bit `i`: byte `i` of the
/// block); `out` has at least as many entries as there are blocks.
#[inline]
pub fn masks<const N: usize>(blocks: &[[u8; 64]], needles: [u8; N], out: &mut [[u64; N]]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the processor has AVX-512BW (checked just above).
        unsafe { avx512::masks(blocks, needles, out) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        unsafe { avx2::masks(blocks, needles, out) };
        return;
    }
    for (b, o) in blocks.iter().zip(out.iter_mut()) {
        *o = block_masks(b, needles);
    }
}

/// For each block, the masks of JSON's string bytes: quotes, backslashes,
/// control characters (below 0x20) and bytes that are not ASCII (0x80 and
/// above: whether a string needs a UTF-8 check).
#[inline]
pub fn json_masks(blocks: &[[u8; 64]], out: &mut [[u64; 4]]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the processor has AVX-512BW (checked just above).
        unsafe { avx512::json_masks(blocks, out) };
        return;
    }
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

/// The positions of each needle in a 64-byte block, as bit masks (bit `i`:
/// byte `i`), 16 bytes at a time.
#[inline(always)]
pub fn block_masks<const N: usize>(b: &[u8; 64], needles: [u8; N]) -> [u64; N] {
    let find = needles.map(u8x16::splat);
    let (parts, _) = b.as_chunks::<16>();
    let mut m = [0u64; N];
    for (i, p) in parts.iter().enumerate() {
        let v = u8x16::new(*p);
        for (mk, f) in m.iter_mut().zip(find) {
            *mk |= u64::from(v.simd_eq(f).to_bitmask()) << (i * 16);
        }
    }
    m
}

/// `b` as text when every byte is ASCII (and so valid UTF-8), checked a
/// whole block per compare; `None` when a byte is not (the caller then
/// asks `std::str::from_utf8`). Cheaper than the general UTF-8 check on
/// the long ASCII lines of JSON logs.
#[inline]
pub fn ascii_str(b: &[u8]) -> Option<&str> {
    let (blocks, tail) = b.as_chunks::<64>();
    // short fields are all tail: no block check to dispatch
    if !tail.is_ascii() || (!blocks.is_empty() && !blocks_ascii(blocks)) {
        return None;
    }
    // SAFETY: every byte of `b` is below 0x80 (checked just above), and a
    // run of ASCII bytes is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(b) })
}

/// Are all bytes of `blocks` ASCII?
#[inline]
fn blocks_ascii(blocks: &[[u8; 64]]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the processor has AVX-512BW (checked just above).
        return unsafe { avx512::ascii(blocks) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        return unsafe { avx2::ascii(blocks) };
    }
    blocks.as_flattened().is_ascii()
}

/// The masks (`masks_of`) of the last `tail` bytes of `b` (a partial block
/// after the whole ones), at bits `0..tail`: read from the 64 bytes that
/// end `b` when it has as many, the bits of the bytes before the tail
/// shifted out (no copy of a variable length, whose branches mispredict
/// line after line); else from a copy padded with `filler`, whose bits
/// must be clear in every mask.
#[inline(always)]
pub fn tail_masks<const N: usize>(
    b: &[u8],
    tail: usize,
    filler: u8,
    masks_of: impl Fn(&[u8; 64]) -> [u64; N],
) -> [u64; N] {
    if tail == 0 {
        return [0; N];
    }
    match b.last_chunk::<64>() {
        Some(last) => masks_of(last).map(|m| m >> (64 - tail)),
        None => {
            let mut pad = [filler; 64];
            pad[..tail].copy_from_slice(&b[b.len() - tail..]);
            masks_of(&pad)
        }
    }
}

/// Calls `f` with the positions of `needle` in `b`, in order, until it
/// returns true; whether one did. The positions come off the bits of a
/// batch of block masks (no search restarted after each hit).
#[inline]
pub fn any_at(b: &[u8], needle: u8, mut f: impl FnMut(usize) -> bool) -> bool {
    const N: usize = 16;
    let mut each = |bits: u64, base: usize| {
        let mut bits = bits;
        while bits != 0 {
            if f(base + bits.trailing_zeros() as usize) {
                return true;
            }
            bits &= bits - 1;
        }
        false
    };
    let (blocks, tail) = b.as_chunks::<64>();
    let mut m = [[0u64; 1]; N];
    for (j, batch) in blocks.chunks(N).enumerate() {
        masks(batch, [needle], &mut m);
        for (i, &[bits]) in m[..batch.len()].iter().enumerate() {
            if each(bits, (j * N + i) * 64) {
                return true;
            }
        }
    }
    let [bits] = tail_masks(b, tail.len(), !needle, |blk| block_masks(blk, [needle]));
    each(bits, blocks.len() * 64)
}

/// `json_masks` of one block, 16 bytes at a time.
#[inline(always)]
pub fn json_block(b: &[u8; 64]) -> [u64; 4] {
    let control = u8x16::splat(0x1f);
    let (parts, _) = b.as_chunks::<16>();
    let (mut ctl, mut high) = (0u64, 0u64);
    for (i, p) in parts.iter().enumerate() {
        let v = u8x16::new(*p);
        // v <= 0x1f exactly when min(v, 0x1f) == v
        ctl |= u64::from(v.min(control).simd_eq(v).to_bitmask()) << (i * 16);
        high |= u64::from(v.to_bitmask()) << (i * 16);
    }
    let [quotes, bs] = block_masks(b, [b'"', b'\\']);
    [quotes, bs, ctl, high]
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256,
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
    pub fn json_masks(blocks: &[[u8; 64]], out: &mut [[u64; 4]]) {
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
                bits(lo, hi),
            ];
        }
    }

    #[target_feature(enable = "avx2")]
    pub fn ascii(blocks: &[[u8; 64]]) -> bool {
        let mut any = _mm256_setzero_si256();
        for b in blocks {
            let (lo, hi) = halves(b);
            any = _mm256_or_si256(any, _mm256_or_si256(lo, hi));
        }
        _mm256_movemask_epi8(any) == 0
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

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_loadu_si512,
        _mm512_movepi8_mask, _mm512_or_si512, _mm512_set1_epi8, _mm512_setzero_si512,
    };

    /// A block in one 64-byte register.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn load(b: &[u8; 64]) -> __m512i {
        // SAFETY: `b` is 64 readable bytes; the load needs no alignment.
        unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
    }

    #[target_feature(enable = "avx512bw")]
    pub fn json_masks(blocks: &[[u8; 64]], out: &mut [[u64; 4]]) {
        let (quote, slash, control) = (
            _mm512_set1_epi8(b'"' as i8),
            _mm512_set1_epi8(b'\\' as i8),
            _mm512_set1_epi8(0x1f),
        );
        for (b, o) in blocks.iter().zip(out.iter_mut()) {
            let v = load(b);
            *o = [
                _mm512_cmpeq_epi8_mask(v, quote),
                _mm512_cmpeq_epi8_mask(v, slash),
                _mm512_cmple_epu8_mask(v, control),
                _mm512_movepi8_mask(v),
            ];
        }
    }

    #[target_feature(enable = "avx512bw")]
    pub fn ascii(blocks: &[[u8; 64]]) -> bool {
        let mut any = _mm512_setzero_si512();
        for b in blocks {
            any = _mm512_or_si512(any, load(b));
        }
        _mm512_movepi8_mask(any) == 0
    }

    #[target_feature(enable = "avx512bw")]
    pub fn masks<const N: usize>(blocks: &[[u8; 64]], needles: [u8; N], out: &mut [[u64; N]]) {
        let find: [__m512i; N] = needles.map(|n| _mm512_set1_epi8(n as i8));
        for (b, o) in blocks.iter().zip(out.iter_mut()) {
            let v = load(b);
            for (mk, f) in o.iter_mut().zip(find) {
                *mk = _mm512_cmpeq_epi8_mask(v, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type MasksFn = fn(&[[u8; 64]], [u8; 4], &mut [[u64; 4]]);

    /// `run` with every implementation of `masks` this processor has.
    fn every_way(run: impl Fn(MasksFn) -> [[u64; 4]; 5]) -> Vec<(&'static str, [[u64; 4]; 5])> {
        let mut out = vec![("dispatch", run(masks::<4>))];
        out.push((
            "sse2",
            run(|blocks, needles, o| {
                for (b, m) in blocks.iter().zip(o.iter_mut()) {
                    *m = super::block_masks(b, needles);
                }
            }),
        ));
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2.
                out.push(("avx2", run(|b, n, o| unsafe { avx2::masks(b, n, o) })));
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the processor has AVX-512BW.
                out.push(("avx512", run(|b, n, o| unsafe { avx512::masks(b, n, o) })));
            }
        }
        out
    }

    /// `json_masks` of `blocks` by every implementation this processor has.
    fn every_json_way(blocks: &[[u8; 64]]) -> Vec<(&'static str, [[u64; 4]; 5])> {
        let run = |f: &dyn Fn(&mut [[u64; 4]; 5])| {
            let mut out = [[0u64; 4]; 5];
            f(&mut out);
            out
        };
        let mut out = vec![("dispatch", run(&|o| json_masks(blocks, o)))];
        out.push((
            "sse2",
            run(&|o| {
                for (b, m) in blocks.iter().zip(o.iter_mut()) {
                    *m = json_block(b);
                }
            }),
        ));
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2.
                out.push(("avx2", run(&|o| unsafe { avx2::json_masks(blocks, o) })));
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the processor has AVX-512BW.
                out.push(("avx512", run(&|o| unsafe { avx512::json_masks(blocks, o) })));
            }
        }
        out
    }

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
            for (name, o) in every_way(|f| {
                let mut out = [[0u64; 4]; 5];
                f(blocks, needles, &mut out);
                out
            }) {
                for (b, o) in blocks.iter().zip(o) {
                    let want = needles.map(|n| plain(b, n));
                    prop_assert_eq!(o, want, "{}", name);
                    prop_assert_eq!(super::block_masks(b, needles), want);
                }
            }
        }

        #[test]
        fn any_at_gives_every_position_in_order(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'['), Just(b'x'), any::<u8>()],
                0..64 * 20,
            ),
            stop in 0usize..40,
        ) {
            let want: Vec<usize> = bytes.iter().enumerate().filter(|&(_, &c)| c == b'[').map(|(i, _)| i).collect();
            let mut got = Vec::new();
            let hit = any_at(&bytes, b'[', |p| {
                got.push(p);
                got.len() > stop
            });
            prop_assert_eq!(hit, want.len() > stop);
            prop_assert_eq!(&got[..], &want[..want.len().min(stop + 1)]);
        }

        #[test]
        fn tail_masks_are_the_masks_of_the_tail_alone(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'['), Just(b'"'), any::<u8>()],
                0..200,
            )
        ) {
            let tail = bytes.len() % 64;
            let got = tail_masks(&bytes, tail, b' ', |blk| super::block_masks(blk, [b'[', b'"']));
            let start = bytes.len() - tail;
            for (k, needle) in [b'[', b'"'].into_iter().enumerate() {
                let want = bytes[start..].iter().enumerate().filter(|&(_, &c)| c == needle).fold(0u64, |m, (i, _)| m | 1 << i);
                prop_assert_eq!(got[k], want);
            }
        }

        #[test]
        fn ascii_str_is_the_text_of_ascii_bytes_only(
            bytes in proptest::collection::vec(
                prop_oneof![8 => 0x20u8..0x7f, 1 => Just(0x80u8), 1 => any::<u8>()],
                0..64 * 5,
            ),
            cut in 0usize..64 * 5,
        ) {
            let b = &bytes[..cut.min(bytes.len())];
            let want = b.is_ascii().then(|| std::str::from_utf8(b).unwrap());
            prop_assert_eq!(ascii_str(b), want);
            #[cfg(target_arch = "x86_64")]
            {
                let (blocks, _) = b.as_chunks::<64>();
                let all = blocks.as_flattened().is_ascii();
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2.
                    prop_assert_eq!(unsafe { avx2::ascii(blocks) }, all);
                }
                if std::arch::is_x86_feature_detected!("avx512bw") {
                    // SAFETY: the processor has AVX-512BW.
                    prop_assert_eq!(unsafe { avx512::ascii(blocks) }, all);
                }
            }
        }

        #[test]
        fn json_masks_are_quotes_backslashes_controls_and_non_ascii(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1fu8), Just(0x20u8), Just(0u8), Just(0x80u8), any::<u8>()],
                64..64 * 5,
            )
        ) {
            let (blocks, _) = bytes.as_chunks::<64>();
            for (name, o) in every_json_way(blocks) {
                for (b, o) in blocks.iter().zip(o) {
                    let controls = b.iter().enumerate().filter(|&(_, &c)| c < 0x20).fold(0, |m, (i, _)| m | 1 << i);
                    let high = b.iter().enumerate().filter(|&(_, &c)| c >= 0x80).fold(0, |m, (i, _)| m | 1 << i);
                    let want = [plain(b, b'"'), plain(b, b'\\'), controls, high];
                    prop_assert_eq!(o, want, "{}", name);
                    prop_assert_eq!(json_block(b), want);
                }
            }
        }
    }
}
