//! Random numbers of a given width, drawn at once or one bit per tick.
//!
//! Randomness comes from `rand`'s thread-local generator: a ChaCha12 CSPRNG seeded from the
//! operating system.

use std::future::Future;
use std::time::Duration;

use num_bigint::BigUint;
use rand::RngCore;

/// The widest number the service hands out, in bits.
pub(super) const MAX_BITS: u32 = 4096;

/// A requested width outside `1..=MAX_BITS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bits must be between 1 and {MAX_BITS}, got {0}")]
pub(super) struct WidthOutOfRange(pub i32);

/// A checked number of bits, from 1 to [`MAX_BITS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Width(u32);

impl Width {
    /// The width, in bits.
    pub(super) fn bits(self) -> u32 {
        self.0
    }
}

impl TryFrom<i32> for Width {
    type Error = WidthOutOfRange;

    fn try_from(bits: i32) -> Result<Self, Self::Error> {
        match u32::try_from(bits) {
            Ok(n @ 1..=MAX_BITS) => Ok(Width(n)),
            _ => Err(WidthOutOfRange(bits)),
        }
    }
}

/// A uniformly random number `n` with `0 <= n < 2^width`.
pub(super) fn random_number(width: Width) -> BigUint {
    let bits = width.bits() as usize;
    let mut bytes = vec![0u8; bits.div_ceil(8)];
    rand::rng().fill_bytes(&mut bytes);
    let spare_bits = bytes.len() * 8 - bits;
    bytes[0] &= 0xff >> spare_bits;
    BigUint::from_bytes_be(&bytes)
}

/// Is told of each bit that a slow number gets.
pub(super) trait BitProgress: Send {
    /// `done` bits are drawn.
    fn bit_drawn(&mut self, done: u32) -> impl Future<Output = ()> + Send;
}

/// No one to tell.
impl BitProgress for () {
    async fn bit_drawn(&mut self, _done: u32) {}
}

/// Someone to tell, or no one.
impl<P: BitProgress> BitProgress for Option<P> {
    async fn bit_drawn(&mut self, done: u32) {
        if let Some(progress) = self {
            progress.bit_drawn(done).await;
        }
    }
}

/// Like [`random_number`], but draws one bit per `tick`, most significant first, so that it
/// takes `width` ticks, and tells `progress` of each bit.
///
/// Built for a slow request's task, of which a service may have a hundred thousand: a plain
/// function returning an `async` block (an `async fn` keeps its arguments twice), one timer
/// moved to each next tick (an `Interval` boxes its own), and the number in a word up to 64
/// bits.
#[allow(clippy::manual_async_fn)]
pub(super) fn random_number_slowly(
    width: Width,
    tick: Duration,
    mut progress: impl BitProgress,
) -> impl Future<Output = BigUint> + Send {
    async move {
        let next_tick = tokio::time::sleep(tick);
        tokio::pin!(next_tick);
        let mut word = 0u64;
        let mut wide = (width.bits() > u64::BITS).then(Box::<BigUint>::default);
        // A counter, not a range: four bytes rather than twelve in every pending request.
        let mut done = 0;
        while done < width.bits() {
            done += 1;
            next_tick.as_mut().await;
            let position = u64::from(width.bits() - done);
            let bit = rand::random::<bool>();
            match &mut wide {
                Some(wide) => wide.set_bit(position, bit),
                None => word |= u64::from(bit) << position,
            }
            progress.bit_drawn(done).await;
            let deadline = next_tick.deadline() + tick;
            next_tick.as_mut().reset(deadline);
        }
        wide.map_or_else(|| BigUint::from(word), |wide| *wide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_outside_the_range_are_refused() {
        for bits in [i32::MIN, -1, 0, MAX_BITS as i32 + 1, i32::MAX] {
            assert_eq!(Width::try_from(bits), Err(WidthOutOfRange(bits)));
        }
        assert_eq!(Width::try_from(1).map(Width::bits), Ok(1));
        assert_eq!(Width::try_from(4096).map(Width::bits), Ok(4096));
    }

    #[test]
    fn numbers_fit_their_width_and_use_the_top_bit() {
        for bits in [1, 7, 8, 9, 64, 65, 4096] {
            let width = Width::try_from(bits).unwrap();
            let numbers: Vec<BigUint> = (0..200).map(|_| random_number(width)).collect();
            assert!(numbers.iter().all(|n| n.bits() <= u64::from(width.bits())));
            // The top bit is set in about half of them; all 200 clear has odds 2^-200.
            assert!(numbers.iter().any(|n| n.bits() == u64::from(width.bits())));
        }
    }

    /// Progress as (bits done, seconds since `.0`).
    struct Recorded(tokio::time::Instant, Vec<(u32, u64)>);

    impl BitProgress for &mut Recorded {
        async fn bit_drawn(&mut self, done: u32) {
            let seconds = self.0.elapsed().as_secs();
            self.1.push((done, seconds));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn slow_numbers_take_one_tick_per_bit() {
        let started = tokio::time::Instant::now();
        let width = Width::try_from(12).unwrap();
        let mut progress = Recorded(started, Vec::new());
        let number = random_number_slowly(width, Duration::from_secs(1), &mut progress).await;
        assert_eq!(started.elapsed(), Duration::from_secs(12));
        assert!(number.bits() <= 12);
        let expected: Vec<(u32, u64)> = (1..=12).map(|n| (n, u64::from(n))).collect();
        assert_eq!(progress.1, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn slow_numbers_fit_their_width_and_use_the_top_bit() {
        for bits in [1, 63, 64, 65, 200] {
            let width = Width::try_from(bits).unwrap();
            let mut numbers = Vec::new();
            for _ in 0..64 {
                numbers.push(random_number_slowly(width, Duration::from_millis(1), ()).await);
            }
            assert!(numbers.iter().all(|n| n.bits() <= u64::from(width.bits())));
            // All 64 without the top bit has odds 2^-64.
            assert!(
                numbers.iter().any(|n| n.bits() == u64::from(width.bits())),
                "{bits}"
            );
        }
    }
}
