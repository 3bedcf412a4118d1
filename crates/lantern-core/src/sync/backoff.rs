//! Exponential backoff with jitter for failed uploads: 30 s, 1 min, 2 min, … capped at
//! one hour, each multiplied by a random factor in [0.5, 1.5) so that a fleet of
//! devices coming back online together does not hammer the server in step.

use chrono::TimeDelta;

/// The first retry delay.
pub const BASE_SECONDS: i64 = 30;
/// The longest delay between retries.
pub const CAP_SECONDS: i64 = 3600;

/// The delay before attempt `attempts + 1`, given a jitter factor in [0.5, 1.5).
pub fn delay(attempts: u32, jitter: f64) -> TimeDelta {
    let exp = attempts.saturating_sub(1).min(20);
    let raw = BASE_SECONDS.saturating_mul(1_i64 << exp).min(CAP_SECONDS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.5, 1.5)
    } else {
        1.0
    };
    // Truncation to whole milliseconds is intended.
    #[allow(clippy::cast_possible_truncation)]
    let ms = (raw as f64 * 1000.0 * jitter) as i64;
    TimeDelta::milliseconds(ms)
}

/// A random jitter factor in [0.5, 1.5) from the system's randomness (1.0 if none).
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if crate::vault::crypto::fill_random(&mut b).is_err() {
        return 1.0;
    }
    0.5 + f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_caps() {
        assert_eq!(delay(1, 1.0), TimeDelta::seconds(30));
        assert_eq!(delay(2, 1.0), TimeDelta::seconds(60));
        assert_eq!(delay(5, 1.0), TimeDelta::seconds(480));
        assert_eq!(delay(40, 1.0), TimeDelta::seconds(3600));
        assert_eq!(delay(1, 0.5), TimeDelta::seconds(15));
        assert_eq!(delay(1, 9.0), TimeDelta::seconds(45));
        assert_eq!(delay(0, 1.0), TimeDelta::seconds(30));
    }

    #[test]
    fn jitter_in_range_and_varies() {
        let draws: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.5..1.5).contains(j)));
        assert!(draws.iter().any(|j| (j - draws[0]).abs() > 1e-9));
    }
}
