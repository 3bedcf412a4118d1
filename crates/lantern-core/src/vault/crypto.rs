//! The only place in Lantern that touches key material: the data key, the Argon2id
//! passphrase key that wraps it, per-record AES-256-GCM sealing (ring), SHA-256 for the
//! audit chain, and the keys that protect backups (a backup passphrase or an
//! organisation's X25519 public key).
//!
//! Secret types here implement neither `Debug` nor `Display`, hold their bytes in
//! zeroizing storage, and are only ever moved, never copied out. Every failure to open a
//! sealed value is the same opaque [`SealError`]: callers cannot tell a flipped bit from a
//! wrong key or moved ciphertext, and neither can an attacker probing them.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, Zeroizing};

/// Length of every symmetric key (AES-256).
pub const KEY_LEN: usize = 32;
/// Length of the Argon2id salt stored in the vault header.
pub const SALT_LEN: usize = 16;
/// Bytes added to a plaintext by sealing: the random nonce in front, the GCM tag behind.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + 16;

/// Any failure to open a sealed value. Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealError;

/// The operating system's random generator failed; nothing can safely be sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomError;

/// Why a backup could not be sealed to an organisation's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKeyError {
    /// The system random generator failed.
    Random,
    /// The bytes are a low-order point, not an organisation's public key.
    NotAPublicKey,
}

/// Argon2id cost parameters, stored in clear in the vault header and bound into the
/// wrapped key's associated data so they cannot be silently weakened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// The production parameters: 128 MiB, 3 passes, 1 lane. Measured at about 0.5 s per
    /// derivation on the project's 2-core reference machine in an optimised build (see
    /// `docs/vault.md` for the command and figures); 128 MiB stays inside the memory
    /// of the cheap phones and laptops the field teams carry.
    pub const PRODUCTION: KdfParams = KdfParams {
        m_cost_kib: 128 * 1024,
        t_cost: 3,
        p_cost: 1,
    };

    /// Deliberately weak parameters for tests that create many vaults. Never the default.
    pub const INSECURE_FAST_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };

    /// The bytes bound into associated data.
    pub fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.m_cost_kib.to_be_bytes());
        out[4..8].copy_from_slice(&self.t_cost.to_be_bytes());
        out[8..].copy_from_slice(&self.p_cost.to_be_bytes());
        out
    }
}

/// The most memory a header may ask Argon2id for (256 MiB, twice production): what a
/// cheap phone can spare without being killed (issue 13, L2; was 1 GiB).
pub const MAX_M_COST_KIB: u32 = 1 << 18;
/// The most passes a header may ask for (about 8/3 of production's time at the cap).
pub const MAX_T_COST: u32 = 8;
/// The most lanes a header may ask for.
pub const MAX_P_COST: u32 = 4;

/// The cost parameters are outside what Argon2 accepts (e.g. a corrupted header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfError;

fn system_random() -> &'static SystemRandom {
    static RNG: std::sync::OnceLock<SystemRandom> = std::sync::OnceLock::new();
    RNG.get_or_init(SystemRandom::new)
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn fill_random(buf: &mut [u8]) -> Result<(), RandomError> {
    system_random().fill(buf).map_err(|_| RandomError)
}

/// A fresh random salt.
pub fn random_salt() -> Result<[u8; SALT_LEN], RandomError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    Ok(salt)
}

/// SHA-256 of the concatenated parts (the audit chain's hash).
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let digest = ctx.finish();
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Constant-time equality for tags and verifiers.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    // No early exit: the time taken does not depend on where the bytes differ.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A key derived from a passphrase. Used to wrap the data key and to recognise the
/// duress passphrase; never stored.
pub struct PassphraseKey(Zeroizing<[u8; KEY_LEN]>);

impl PassphraseKey {
    /// Whether these parameters are within what a phone can afford and Argon2 accepts.
    pub fn check_params(params: KdfParams) -> Result<(), KdfError> {
        // Parameters come from files an attacker may have written: refuse ones that
        // would exhaust memory or hang the device rather than try them.
        if params.m_cost_kib > MAX_M_COST_KIB
            || params.t_cost > MAX_T_COST
            || params.p_cost > MAX_P_COST
        {
            return Err(KdfError);
        }
        Params::new(
            params.m_cost_kib,
            params.t_cost,
            params.p_cost,
            Some(KEY_LEN),
        )
        .map(|_| ())
        .map_err(|_| KdfError)
    }

    /// Runs Argon2id over the passphrase. This is the slow step of unlocking.
    pub fn derive(passphrase: &[u8], salt: &[u8], params: KdfParams) -> Result<Self, KdfError> {
        Self::check_params(params)?;
        let params = Params::new(
            params.m_cost_kib,
            params.t_cost,
            params.p_cost,
            Some(KEY_LEN),
        )
        .map_err(|_| KdfError)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(passphrase, salt, out.as_mut())
            .map_err(|_| KdfError)?;
        Ok(PassphraseKey(out))
    }

    /// A public fingerprint of this key under a purpose label, used to recognise the
    /// duress passphrase without being able to unwrap anything with it.
    pub fn verifier(&self, label: &[u8]) -> [u8; 32] {
        sha256(&[b"lantern-verifier-v1\0", label, self.0.as_ref()])
    }

    /// Seals the data key under this key.
    pub fn wrap(&self, data_key: &DataKey, ad: &[u8]) -> Result<Vec<u8>, RandomError> {
        seal_with(&aead_key(&self.0), data_key.bytes.as_ref(), ad)
    }

    /// Opens a wrapped data key. Fails the same way for a wrong passphrase and for a
    /// tampered wrapped key.
    pub fn unwrap(&self, wrapped: &[u8], ad: &[u8]) -> Result<DataKey, SealError> {
        let plain = open_with(&aead_key(&self.0), wrapped, ad)?;
        if plain.len() != KEY_LEN {
            return Err(SealError);
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&plain);
        Ok(DataKey::from_bytes(bytes))
    }
}

/// The vault's random 256-bit data key. Every record is sealed under it.
pub struct DataKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    /// HMAC-SHA256 under a key derived from the data key: the row commitment's PRF.
    mac: ring::hmac::Key,
    // ring expands the AES key schedule once here; it does not zeroize that schedule on
    // drop, which `docs/vault.md` lists under what the vault does not protect against.
    aead: LessSafeKey,
}

impl DataKey {
    /// A fresh random data key for a new vault.
    pub fn generate() -> Result<Self, RandomError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(bytes.as_mut())?;
        Ok(Self::from_bytes(bytes))
    }

    /// The same key again, for a second handle on the vault (`Vault::reader`).
    pub fn duplicate(&self) -> Self {
        Self::from_bytes(self.bytes.clone())
    }

    fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let aead = aead_key(&bytes);
        let mac_key = Zeroizing::new(sha256(&[b"lantern-rows-mac-v1\0", bytes.as_ref()]));
        let mac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, mac_key.as_ref());
        DataKey { bytes, aead, mac }
    }

    /// A keyed MAC (HMAC-SHA256) of `data`; only the holder of the data key can compute
    /// it, which is what makes the XOR of these over all rows a commitment.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let tag = ring::hmac::sign(&self.mac, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Seals a record: `nonce || ciphertext || tag`, with a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, RandomError> {
        seal_with(&self.aead, plaintext, ad)
    }

    /// Opens a record sealed by [`DataKey::seal`] with the same associated data.
    pub fn open(&self, sealed: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        open_with(&self.aead, sealed, ad)
    }
}

fn aead_key(bytes: &[u8; KEY_LEN]) -> LessSafeKey {
    // ring rejects only keys of the wrong length, and KEY_LEN is AES-256's length.
    #[allow(clippy::expect_used)]
    let key = UnboundKey::new(&AES_256_GCM, bytes).expect("a 32-byte key is an AES-256 key");
    LessSafeKey::new(key)
}

fn seal_with(key: &LessSafeKey, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, RandomError> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let mut out = Vec::with_capacity(plaintext.len() + SEAL_OVERHEAD);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let mut body = out.split_off(NONCE_LEN);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(ad),
        &mut body,
    )
    .map_err(|_| RandomError)?;
    out.extend_from_slice(&body);
    body.zeroize();
    Ok(out)
}

fn open_with(key: &LessSafeKey, sealed: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() < SEAL_OVERHEAD {
        return Err(SealError);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(ad), buf.as_mut_slice())
        .map_err(|_| SealError)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// A one-off key protecting a backup file, derived either from a backup passphrase or
/// from an X25519 exchange with an organisation's key.
pub struct BackupKey(LessSafeKey);

impl BackupKey {
    /// From a backup passphrase (Argon2id, same parameters as the vault).
    pub fn from_passphrase(
        passphrase: &[u8],
        salt: &[u8],
        params: KdfParams,
    ) -> Result<Self, KdfError> {
        let key = PassphraseKey::derive(passphrase, salt, params)?;
        Ok(BackupKey(aead_key(&key.0)))
    }

    /// For the sender: a fresh ephemeral X25519 key agreed with the organisation's public
    /// key. Returns the key and the ephemeral public key to store in the backup header.
    pub fn to_org_key(org_public: &[u8; 32]) -> Result<(Self, [u8; 32]), OrgKeyError> {
        let mut eph_bytes = Zeroizing::new([0u8; 32]);
        fill_random(eph_bytes.as_mut()).map_err(|_| OrgKeyError::Random)?;
        let eph = x25519_dalek::StaticSecret::from(*eph_bytes);
        eph_bytes.zeroize();
        let eph_public = x25519_dalek::PublicKey::from(&eph).to_bytes();
        let shared = eph.diffie_hellman(&x25519_dalek::PublicKey::from(*org_public));
        if !shared.was_contributory() {
            // A low-order "public key" would make the shared secret predictable.
            return Err(OrgKeyError::NotAPublicKey);
        }
        let key = hkdf_backup_key(shared.as_bytes(), &eph_public, org_public)
            .map_err(|_| OrgKeyError::Random)?;
        Ok((BackupKey(key), eph_public))
    }

    /// For headquarters: the same key from the organisation's secret key.
    pub fn from_org_secret(
        secret: &OrgSecretKey,
        eph_public: &[u8; 32],
    ) -> Result<Self, SealError> {
        let org_public = secret.public_key();
        let shared = secret
            .0
            .diffie_hellman(&x25519_dalek::PublicKey::from(*eph_public));
        if !shared.was_contributory() {
            return Err(SealError);
        }
        Ok(BackupKey(hkdf_backup_key(
            shared.as_bytes(),
            eph_public,
            &org_public,
        )?))
    }

    /// Seals the backup body.
    pub fn seal(&self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, RandomError> {
        seal_with(&self.0, plaintext, ad)
    }

    /// Opens the backup body.
    pub fn open(&self, sealed: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        open_with(&self.0, sealed, ad)
    }
}

struct BackupKeyLen;

impl ring::hkdf::KeyType for BackupKeyLen {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

fn hkdf_backup_key(
    shared: &[u8; 32],
    eph_public: &[u8; 32],
    org_public: &[u8; 32],
) -> Result<LessSafeKey, SealError> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(eph_public);
    salt[32..].copy_from_slice(org_public);
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &salt).extract(shared);
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    // Expanding 32 bytes from SHA-256 is within HKDF's limit (255 × 32); should it ever
    // fail, that is an error, never a silent all-zero key (issue 13, L6).
    prk.expand(&[b"lantern-backup-v1"], BackupKeyLen)
        .and_then(|okm| okm.fill(bytes.as_mut()))
        .map_err(|_| SealError)?;
    Ok(aead_key(&bytes))
}

/// An organisation's X25519 secret key, held by headquarters to open backups.
pub struct OrgSecretKey(x25519_dalek::StaticSecret);

impl OrgSecretKey {
    /// A new random organisation key pair.
    pub fn generate() -> Result<Self, RandomError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(bytes.as_mut())?;
        Ok(OrgSecretKey(x25519_dalek::StaticSecret::from(*bytes)))
    }

    /// From the 32 secret bytes (e.g. read from HQ's key file).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        OrgSecretKey(x25519_dalek::StaticSecret::from(*bytes))
    }

    /// The secret bytes, for writing HQ's key file.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public key that devices encrypt backups to.
    pub fn public_key(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&self.0).to_bytes()
    }
}

/// Lower-case hex, for ids and hashes shown to people.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Parses hex of any even length.
pub fn from_hex_vec(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok())
        .collect()
}

/// Parses hex of exactly `N` bytes.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != N * 2 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_opaque_failures() {
        let key = DataKey::generate().unwrap();
        let sealed = key.seal(b"hello", b"ad").unwrap();
        assert_eq!(key.open(&sealed, b"ad").unwrap().as_slice(), b"hello");
        assert_eq!(key.open(&sealed, b"other").unwrap_err(), SealError);
        let mut flipped = sealed.clone();
        flipped[NONCE_LEN] ^= 1;
        assert_eq!(key.open(&flipped, b"ad").unwrap_err(), SealError);
        assert_eq!(key.open(&sealed[..5], b"ad").unwrap_err(), SealError);
        // Fresh nonce each time: the same plaintext never gives the same bytes.
        assert_ne!(sealed, key.seal(b"hello", b"ad").unwrap());
    }

    #[test]
    fn wrap_needs_the_same_passphrase_salt_and_params() {
        let params = KdfParams::INSECURE_FAST_FOR_TESTS;
        let salt = random_salt().unwrap();
        let data = DataKey::generate().unwrap();
        let pk = PassphraseKey::derive(b"correct horse", &salt, params).unwrap();
        let wrapped = pk.wrap(&data, b"wrap").unwrap();
        let again = PassphraseKey::derive(b"correct horse", &salt, params).unwrap();
        let opened = again.unwrap(&wrapped, b"wrap").unwrap();
        let sealed = data.seal(b"x", b"").unwrap();
        assert_eq!(opened.open(&sealed, b"").unwrap().as_slice(), b"x");
        let wrong = PassphraseKey::derive(b"wrong", &salt, params).unwrap();
        assert!(wrong.unwrap(&wrapped, b"wrap").is_err());
    }

    #[test]
    fn org_key_agreement_matches() {
        let org = OrgSecretKey::generate().unwrap();
        let (send, eph) = BackupKey::to_org_key(&org.public_key()).unwrap();
        let sealed = send.seal(b"backup", b"h").unwrap();
        let recv = BackupKey::from_org_secret(&org, &eph).unwrap();
        assert_eq!(recv.open(&sealed, b"h").unwrap().as_slice(), b"backup");
        let other = OrgSecretKey::generate().unwrap();
        let wrong = BackupKey::from_org_secret(&other, &eph).unwrap();
        assert!(wrong.open(&sealed, b"h").is_err());
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(to_hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(from_hex::<3>("00abff"), Some([0, 0xab, 0xff]));
        assert_eq!(from_hex::<3>("00abf"), None);
        assert_eq!(from_hex::<1>("zz"), None);
    }
}

// ---------------------------------------------------------------------------------------
// Issue 15 (sync): the device's Ed25519 signing key. Generated here, kept sealed in the
// vault as PKCS#8 (see `vault/device.rs`), used only to sign aggregate batches.

/// The device's Ed25519 key pair. Its PKCS#8 bytes are zeroized on drop; no `Debug`.
pub struct DeviceSigningKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: ring::signature::Ed25519KeyPair,
}

/// The PKCS#8 bytes of a stored device key do not form a valid key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceKeyError;

impl DeviceSigningKey {
    /// A fresh key from the system's randomness.
    pub fn generate() -> Result<Self, RandomError> {
        let doc = ring::signature::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| RandomError)?;
        Self::from_pkcs8(doc.as_ref()).map_err(|_| RandomError)
    }

    /// The key stored earlier with [`DeviceSigningKey::pkcs8`].
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, DeviceKeyError> {
        let pair =
            ring::signature::Ed25519KeyPair::from_pkcs8(bytes).map_err(|_| DeviceKeyError)?;
        Ok(DeviceSigningKey {
            pkcs8: Zeroizing::new(bytes.to_vec()),
            pair,
        })
    }

    /// The secret key as PKCS#8, to be sealed into the vault and nowhere else.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key the server enrolls, 32 bytes.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub fn public_key(&self) -> [u8; 32] {
        use ring::signature::KeyPair;
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// Signs `message` (a batch's exact bytes).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// Checks an Ed25519 signature (tests of what the device signed).
#[cfg(test)]
pub fn verify_ed25519(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod device_key_tests {
    use super::*;

    #[test]
    fn device_key_signs_and_round_trips() {
        let key = DeviceSigningKey::generate().unwrap();
        let sig = key.sign(b"batch");
        assert!(verify_ed25519(&key.public_key(), b"batch", &sig));
        assert!(!verify_ed25519(&key.public_key(), b"other", &sig));
        let again = DeviceSigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(DeviceSigningKey::from_pkcs8(b"junk").is_err());
        assert_ne!(
            DeviceSigningKey::generate().unwrap().public_key(),
            key.public_key()
        );
    }
}
