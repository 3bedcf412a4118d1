//! What the server checks beyond `Batch::validate`: bounds on every field, so that a
//! hostile device cannot store SQL-ish names, control characters, huge labels or
//! unbounded tables, and the signature and secrets helpers.

use std::collections::BTreeSet;

use lantern_protocol::Batch;

/// The bounds on names and free text, shared with the device (`lantern_protocol::sites`).
pub use lantern_protocol::sites::{MAX_NAME, MAX_TEXT, check_name, check_text, shorten};
pub const MAX_INDICATORS: usize = 1_000;
pub const MAX_CELLS: usize = 100_000;
pub const MAX_DIMENSIONS: usize = 8;
pub const MAX_LANGUAGES: usize = 32;

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_month(value: &str) -> Result<(), String> {
    let ok = value.len() == 7
        && is_digits(&value[..4])
        && &value[4..5] == "-"
        && is_digits(&value[5..])
        && matches!(value[5..].parse::<u32>(), Ok(1..=12));
    if ok {
        Ok(())
    } else {
        Err(format!("period {:?} is not YYYY-MM", shorten(value)))
    }
}

fn check_day(value: &str) -> Result<(), String> {
    if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() && value.len() == 10 {
        Ok(())
    } else {
        Err(format!(
            "generated_at {:?} is not YYYY-MM-DD",
            shorten(value)
        ))
    }
}

/// Every bound the server enforces on a batch that parsed and validated.
pub fn check_batch(b: &Batch) -> Result<(), String> {
    check_name("form_id", &b.form_id)?;
    check_name("form_version", &b.form_version)?;
    check_name("site", &b.site)?;
    if let Some(round) = &b.round {
        check_name("round", round)?;
    }
    check_month(&b.period)?;
    check_day(&b.generated_at)?;
    if i64::try_from(b.sequence).is_err() {
        return Err("sequence is too large".into());
    }
    if b.min_cell_size == 0 {
        return Err("min_cell_size must be at least 1".into());
    }
    if b.indicators.len() > MAX_INDICATORS {
        return Err(format!("more than {MAX_INDICATORS} indicators"));
    }
    if b.cells.len() > MAX_CELLS {
        return Err(format!("more than {MAX_CELLS} cells"));
    }
    let mut names = BTreeSet::new();
    for ind in &b.indicators {
        check_name("indicator name", &ind.name)?;
        if !names.insert(ind.name.as_str()) {
            return Err(format!("indicator {:?} appears twice", ind.name));
        }
        if ind.labels.len() > MAX_LANGUAGES || ind.actions.len() > MAX_LANGUAGES {
            return Err(format!("indicator {:?} has too many languages", ind.name));
        }
        for (lang, text) in ind.labels.iter().chain(&ind.actions) {
            check_text("language name", lang)?;
            if lang.chars().count() > MAX_NAME {
                return Err("language name is too long".into());
            }
            check_text("label", text)?;
        }
        for text in [&ind.hxl, &ind.sector].into_iter().flatten() {
            check_text("hxl or sector", text)?;
            if text.chars().count() > 256 {
                return Err("hxl or sector is longer than 256 characters".into());
            }
        }
        if ind.min_cell == 0 {
            return Err(format!("indicator {:?} has min_cell 0", ind.name));
        }
    }
    let mut seen = BTreeSet::new();
    for cell in &b.cells {
        if cell.by.len() > MAX_DIMENSIONS {
            return Err(format!("a cell has more than {MAX_DIMENSIONS} dimensions"));
        }
        for (dim, value) in &cell.by {
            check_name("dimension", dim)?;
            check_name("dimension value", value)?;
        }
        if !seen.insert((cell.indicator.as_str(), &cell.by)) {
            return Err(format!(
                "indicator {:?} has the same cell twice",
                cell.indicator
            ));
        }
        let finite = [cell.value].into_iter().flatten().all(f64::is_finite);
        if !finite {
            return Err("a cell value is not a finite number".into());
        }
    }
    Ok(())
}

/// SHA-256, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// The SHA-256 fingerprint of the first certificate in a PEM file (the server's own,
/// leaf first), as devices pin it and people compare it: `AB:CD:…`, the form
/// `openssl x509 -noout -fingerprint -sha256` prints.
pub fn certificate_fingerprint(pem: &[u8]) -> Result<String, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let der = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or_else(|| {
            "no certificate in the file (expected a PEM \"CERTIFICATE\" block)".to_owned()
        })?
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    Ok(sha256_hex(der.as_ref())
        .to_ascii_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// Enrollment codes are shown grouped (`ABCD-EFGH-…`); case, spaces and dashes do
/// not matter when typed back.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The alphabet of enrollment codes: Crockford's base 32 (no I, L, O, U).
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh random code of 25 symbols (125 bits), grouped by five.
pub fn new_code() -> anyhow::Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 25];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(symbols
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A fresh random admin token (256 bits, hex).
pub fn new_token() -> anyhow::Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    Ok(hex::encode(bytes))
}

/// A fresh random session or CSRF token (256 bits, hex); the same as an admin token.
pub fn new_session_token() -> anyhow::Result<String> {
    new_token()
}

/// Hashes a dashboard password with Argon2id (the crate's defaults: 19 MiB, 2 passes,
/// one lane, OWASP's minimum) and a random 128-bit salt; the PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher;
    use ring::rand::SecureRandom;
    let mut salt = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let salt = argon2::password_hash::SaltString::encode_b64(&salt)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::password_hash::PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A PHC string of a password nobody knows, verified against when the user does not
/// exist, so that a wrong name and a wrong password take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("lantern-decoy").unwrap_or_default())
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks an Ed25519 signature over `message`.
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

/// Now, UTC, to the second, RFC 3339.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_sql_and_controls() {
        assert!(check_name("site", "SO1101").is_ok());
        assert!(check_name("site", "camp_a.block-3:x").is_ok());
        assert!(check_name("site", "مخيم_١").is_ok());
        assert!(check_name("site", "x' OR '1'='1").is_err());
        assert!(check_name("site", "a;DROP TABLE batches;--").is_err());
        assert!(check_name("site", "").is_err());
        assert!(check_name("site", &"a".repeat(129)).is_err());
        assert!(check_text("label", "tab\there").is_err());
        assert!(check_text("label", "Women's committee").is_ok());
    }

    #[test]
    fn periods_and_days() {
        assert!(check_month("2026-11").is_ok());
        assert!(check_month("2026-13").is_err());
        assert!(check_month("2026-1").is_err());
        assert!(check_day("2026-11-30").is_ok());
        assert!(check_day("2026-11-31").is_err());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("river lamp orange").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("river lamp orange", &h));
        assert!(!verify_password("river lamp orangE", &h));
        assert!(!verify_password("river lamp orange", "not a hash"));
        assert_ne!(h, hash_password("river lamp orange").unwrap());
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }

    #[test]
    fn codes_normalise_and_differ() {
        let a = new_code().unwrap();
        assert_eq!(a.len(), 29);
        assert_eq!(normalise_code(&a.to_lowercase()), a.replace('-', ""));
        assert_ne!(a, new_code().unwrap());
    }

    /// The fingerprint is the one `openssl x509 -noout -fingerprint -sha256` printed
    /// for this certificate (made with `openssl req -x509 -newkey ec …`).
    #[test]
    fn certificate_fingerprint_matches_openssl() {
        let pem = b"-----BEGIN CERTIFICATE-----
MIIBhDCCASmgAwIBAgIUdhzGb/lIU34Eqa38fDCrKEJ5xVMwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMbGFudGVybi10ZXN0MB4XDTI2MTIwMTAyNDYzNloXDTM2MTEy
ODAyNDYzNlowFzEVMBMGA1UEAwwMbGFudGVybi10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEJjvbkluszbYERvh0eRTREg9VCcMk0Jd2lDq+sTPTeJpomDTm
eqiZ96SpMJXh508vjs4ucDDQbucut3oX+dx1o6NTMFEwHQYDVR0OBBYEFMqJAjYK
ffGQRu+47zIX4aD9OsLxMB8GA1UdIwQYMBaAFMqJAjYKffGQRu+47zIX4aD9OsLx
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMt0yDad9l7HJvvR
T4lJPJPjAenYjnMcRINdM7NjSWowAiEA0MPU8Z50OHhxOW1CXglRnKODKT4jM06o
Xr65wda7Nfc=
-----END CERTIFICATE-----
";
        assert_eq!(
            certificate_fingerprint(pem).unwrap(),
            "7A:43:FD:67:75:82:05:D3:8A:FB:34:8A:8F:8F:9D:A8:64:9A:EA:79:45:48:24:B4:64:94:C0:6C:31:93:6A:9F"
        );
        assert!(
            certificate_fingerprint(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .unwrap_err()
            .contains("no certificate")
        );
        assert!(certificate_fingerprint(b"").is_err());
    }
}
