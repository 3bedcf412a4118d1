//! The passphrase policy (issue 13, M4), enforced by the core for every vault
//! passphrase it is given (create, change, restore) and shown by the UI's create screen
//! through [`strength`].
//!
//! Argon2id makes each guess cost ~0.45 s and 128 MiB, which protects a passphrase of
//! four random words or twelve mixed characters for decades and a 4-digit PIN for about
//! an hour of one core. The rule: at least 12 characters, at least 5 different ones, not
//! a run like `abcdefghijkl` or `123456789012`, not a famous passphrase, and an estimated
//! 50 bits or more (length × log2 of the character classes used, so 12 digits are
//! refused, four lower-case words with spaces pass easily). The estimate is deliberately
//! simple and conservative; it is no substitute for a random passphrase, which the UI
//! suggests.

use super::VaultError;

/// The smallest number of characters accepted.
pub const MIN_CHARS: usize = 12;
/// The smallest estimated strength accepted, in bits.
pub const MIN_BITS: u32 = 50;

/// A passphrase's estimated strength and whether the policy accepts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Strength {
    /// Estimated bits of guessing work (simple, conservative).
    pub bits: u32,
    /// Whether the vault accepts it.
    pub acceptable: bool,
    /// What is wrong, in words for the person choosing it; empty when acceptable.
    pub problem: String,
}

const FAMOUS: &[&str] = &[
    "password1234",
    "passwordpassword",
    "qwertyuiopasdfghjkl",
    "iloveyouiloveyou",
    "letmeinletmein",
];

/// Estimates a passphrase's strength and applies the policy.
pub fn strength(passphrase: &[u8]) -> Strength {
    let text = String::from_utf8_lossy(passphrase);
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let (mut lower, mut upper, mut digit, mut space, mut other) =
        (false, false, false, false, false);
    for c in &chars {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            ' ' => space = true,
            _ => other = true,
        }
    }
    let pool = u32::from(lower) * 26
        + u32::from(upper) * 26
        + u32::from(digit) * 10
        + u32::from(space)
        + u32::from(other) * 33;
    // Characters beyond the 5th repeat of the same one add nothing.
    let effective = chars.len().min(distinct.len() * 5);
    let bits = (effective as f64 * f64::from(pool.max(1)).log2()).floor();
    let bits = if bits.is_finite() && bits > 0.0 {
        bits.min(f64::from(u32::MAX)) as u32
    } else {
        0
    };
    let run = chars.len() >= 3
        && chars.windows(2).all(|w| {
            let d = i64::from(u32::from(w[1])) - i64::from(u32::from(w[0]));
            d == 1 || d == -1
        });
    let lowered = text.to_lowercase();
    let problem = if chars.len() < MIN_CHARS {
        format!(
            "the passphrase is too short: use at least {MIN_CHARS} characters, for example four random words"
        )
    } else if distinct.len() < 5 || run {
        "the passphrase is too easy to guess (repeated characters or a run): use four random words"
            .to_string()
    } else if FAMOUS.contains(&lowered.as_str()) {
        "that passphrase is published in examples and is among the first guessed: choose your own"
            .to_string()
    } else if bits < MIN_BITS {
        "the passphrase is too easy to guess: make it longer or mix in words or other characters"
            .to_string()
    } else {
        String::new()
    };
    Strength {
        bits,
        acceptable: problem.is_empty(),
        problem,
    }
}

/// Refuses a passphrase the policy does not accept, with a message that says why.
pub fn check(passphrase: &[u8]) -> Result<(), VaultError> {
    let s = strength(passphrase);
    if s.acceptable {
        Ok(())
    } else {
        Err(VaultError::WeakPassphrase(s.problem))
    }
}

/// A duress passphrase must be typeable under stress, so only: not empty, not the
/// passphrase.
pub fn check_duress(passphrase: &[u8], duress: &[u8]) -> Result<(), VaultError> {
    if duress.is_empty() || duress == passphrase {
        return Err(VaultError::InvalidInput(
            "the duress passphrase must be non-empty and differ from the passphrase".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_repeated_runs_and_famous_are_refused() {
        for weak in [
            &b""[..],
            b"1",
            b" ",
            b"1234",
            b"open sesame",
            b"aaaaaaaaaaaaaaaa",
            b"abcdefghijklm",
            b"123456789012",
            b"Password1234",
            b"111122223333",
        ] {
            let s = strength(weak);
            assert!(
                !s.acceptable,
                "{:?} accepted",
                String::from_utf8_lossy(weak)
            );
            assert!(!s.problem.is_empty());
            assert_eq!(check(weak).unwrap_err().code(), "vault.weak_passphrase");
        }
    }

    #[test]
    fn words_and_mixed_characters_pass() {
        for good in [
            &b"correct horse battery"[..],
            b"lantern field team seven",
            b"Tr0ub4dor&3-x",
            b"ndege ya bluu asubuhi",
        ] {
            let s = strength(good);
            assert!(
                s.acceptable,
                "{:?}: {}",
                String::from_utf8_lossy(good),
                s.problem
            );
            assert!(s.bits >= MIN_BITS);
        }
    }
}
