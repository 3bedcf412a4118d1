//! The strength meter behind the vault's create screen: a cheap, explainable estimate
//! (length, kinds of characters, repetition, well-known choices). It refuses only what
//! is plainly guessable; the Argon2id cost of the vault does the rest.

use super::dto::{PassphraseStrength, StrengthHint};

/// The shortest passphrase `vault_create` accepts.
pub const MIN_LENGTH: usize = 10;

/// Well-known passwords and keyboard runs (lower-cased, compared after removing digits
/// and punctuation at the ends).
const COMMON: &[&str] = &[
    "password",
    "passphrase",
    "motdepasse",
    "contrasena",
    "contraseña",
    "qwerty",
    "azerty",
    "qwertyuiop",
    "azertyuiop",
    "letmein",
    "welcome",
    "admin",
    "lantern",
    "iloveyou",
    "abcdefgh",
    "abcdefghij",
    "abc123",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "12345678",
    "1234567890",
    "0123456789",
    "123456789",
    "11111111",
    "00000000",
];

/// How strong `passphrase` looks.
pub fn strength(passphrase: &str) -> PassphraseStrength {
    let chars: Vec<char> = passphrase.chars().collect();
    let length = chars.len();
    let mut hints = Vec::new();
    if length < MIN_LENGTH {
        hints.push(StrengthHint::TooShort);
    }
    let core: String = passphrase
        .trim_matches(|c: char| !c.is_alphabetic())
        .to_lowercase();
    let lower = passphrase.to_lowercase();
    let common = COMMON.iter().any(|w| lower == *w || core == *w)
        || (!core.is_empty()
            && COMMON
                .iter()
                .any(|w| core.len() >= 6 && w.starts_with(&core)));
    if common {
        hints.push(StrengthHint::Common);
    }
    let kinds = [
        chars.iter().any(|c| c.is_lowercase()),
        chars.iter().any(|c| c.is_uppercase()),
        chars.iter().any(|c| c.is_numeric()),
        chars.iter().any(|c| c.is_whitespace()),
        chars
            .iter()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
        // Letters without case (Arabic…) count as their own kind.
        chars
            .iter()
            .any(|c| c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if length > 0 && kinds <= 1 && length < 20 {
        hints.push(StrengthHint::OneKind);
    }
    let distinct = {
        let mut d = chars.clone();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    if length > 0 && distinct * 3 < length.max(6) {
        hints.push(StrengthHint::Repeated);
    }
    let mut score: i32 = match length {
        0..=5 => 0,
        6..=9 => 1,
        10..=13 => 2,
        14..=19 => 3,
        _ => 4,
    };
    if kinds >= 3 {
        score += 1;
    }
    if hints.contains(&StrengthHint::OneKind) {
        score -= 1;
    }
    if hints.contains(&StrengthHint::Repeated) || common {
        score = 0;
    }
    let score = score.clamp(0, 4) as u8;
    let acceptable = length >= MIN_LENGTH && !common && !hints.contains(&StrengthHint::Repeated);
    PassphraseStrength {
        score,
        acceptable,
        min_length: MIN_LENGTH as u32,
        hints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_repeated_are_refused() {
        for weak in [
            "",
            "abc",
            "password123",
            "Password!",
            "aaaaaaaaaaaa",
            "1234567890",
            "qwertyuiop",
        ] {
            let s = strength(weak);
            assert!(!s.acceptable, "{weak:?} accepted: {s:?}");
            assert!(s.score <= 1, "{weak:?} scored {}", s.score);
        }
    }

    #[test]
    fn long_mixed_passphrases_are_strong() {
        let s = strength("river Stone 42 lantern-night");
        assert!(s.acceptable && s.score == 4, "{s:?}");
        let arabic = strength("فانوس الليل على النهر");
        assert!(arabic.acceptable && arabic.score >= 3, "{arabic:?}");
        let middling = strength("bluehorse7");
        assert!(middling.acceptable && middling.score == 2, "{middling:?}");
    }
}

/// Seconds to wait before the next unlock after `failures` consecutive wrong
/// passphrases: none for the first three (typos), then 5 s doubling to 5 minutes. The
/// count is the vault's own (`VaultStatus::failed_unlocks`), so restarting the app does
/// not reset it.
pub fn unlock_wait_seconds(failures: i64) -> u32 {
    if failures < 3 {
        return 0;
    }
    let doublings = (failures - 3).min(6) as u32;
    (5u32 << doublings).min(300)
}

#[cfg(test)]
mod wait_tests {
    use super::unlock_wait_seconds;

    #[test]
    fn waits_grow_after_three_failures_and_are_capped() {
        let waits: Vec<u32> = (0..12).map(unlock_wait_seconds).collect();
        assert_eq!(waits, vec![0, 0, 0, 5, 10, 20, 40, 80, 160, 300, 300, 300]);
    }
}
