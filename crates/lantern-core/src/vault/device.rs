//! The device's sync identity, sealed in the vault (issue 15): its Ed25519 signing key
//! (through `crypto::DeviceSigningKey`) and what enrollment returned. Both live in
//! sealed settings, so they are encrypted under the data key like every other record
//! and go with the vault into backups; no schema change is needed.

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::crypto::{self, DeviceSigningKey};
use super::{Result, Vault, VaultError};

/// The sealed setting holding the device key's PKCS#8 bytes (hex).
const DEVICE_KEY_SETTING: &str = "sync.device_key";

impl Vault {
    /// The device's signing key, generated and sealed on first use.
    pub(crate) fn device_key(&mut self, now: DateTime<Utc>) -> Result<DeviceSigningKey> {
        if let Some(value) = self.setting(DEVICE_KEY_SETTING, now)? {
            let hex = Zeroizing::new(
                value
                    .get("pkcs8")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| {
                        VaultError::InvalidInput("stored device key is unreadable".into())
                    })?
                    .to_owned(),
            );
            let bytes = Zeroizing::new(decode_hex(&hex).ok_or_else(|| {
                VaultError::InvalidInput("stored device key is unreadable".into())
            })?);
            return DeviceSigningKey::from_pkcs8(&bytes)
                .map_err(|_| VaultError::InvalidInput("stored device key is invalid".into()));
        }
        let key = DeviceSigningKey::generate().map_err(|_| {
            VaultError::InvalidInput("no system randomness for the device key".into())
        })?;
        let hex = Zeroizing::new(crypto::to_hex(key.pkcs8()));
        self.set_setting(
            DEVICE_KEY_SETTING,
            &serde_json::json!({ "pkcs8": hex.as_str() }),
            now,
        )?;
        Ok(key)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
