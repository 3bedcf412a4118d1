//! `digest(data, algorithm, encoding)` of the ODK XForms spec (MD5, SHA-1, SHA-256,
//! SHA-384, SHA-512; hex or base64), and `base64-decode`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::eval::EvalError;

pub fn digest(data: &str, algorithm: &str, encoding: &str) -> Result<String, EvalError> {
    let bytes = data.as_bytes();
    let hash: Vec<u8> = match algorithm {
        "MD5" => Md5::digest(bytes).to_vec(),
        "SHA-1" => Sha1::digest(bytes).to_vec(),
        "SHA-256" => Sha256::digest(bytes).to_vec(),
        "SHA-384" => Sha384::digest(bytes).to_vec(),
        "SHA-512" => Sha512::digest(bytes).to_vec(),
        other => {
            return Err(EvalError::Unsupported(format!(
                "digest() does not know the algorithm '{other}': use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"
            )));
        }
    };
    match encoding {
        "hex" => Ok(hash.iter().map(|b| format!("{b:02x}")).collect()),
        "base64" => Ok(base64_encode(&hash)),
        other => Err(EvalError::Unsupported(format!(
            "digest() does not know the encoding '{other}': use hex or base64"
        ))),
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 text as UTF-8; `None` if it is not valid.
pub fn base64_decode(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}
