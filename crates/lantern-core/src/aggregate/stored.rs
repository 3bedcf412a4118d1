//! How a submission's [`Contributions`] are stored (sealed by the vault, which sees only
//! bytes): a compact binary record, read by [`super::Fold::add_stored`] without building
//! a `Contributions`. Records written before this format are JSON and still read.
//!
//! # Format (`MAGIC` then, all integers LEB128 varints)
//!
//! ```text
//! strings   count, then each: byte length, UTF-8 bytes (each distinct string once)
//! form_id form_version site       string indices
//! round     0 = none, else index + 1
//! period    string index
//! consent   one byte, 0 or 1
//! indicators count, then per indicator: unit count, then per unit:
//!     value   one byte: 0 false, 1 true, 2 number followed by an f64 (little endian, finite)
//!     keys    count, then each: 0 = no answer, else string index + 1
//! padding   zero bytes up to the vault's bucket (512 bytes, then powers of two), so a
//!           record's length says little about how many units it has or whether consent
//!           was refused
//! ```
//!
//! Decoding is strict: a truncated record, a bad index, invalid UTF-8, a non-finite
//! number or non-zero bytes after the end are errors, never a partial fold.

use std::borrow::Cow;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Contributions, DecodeError, Unit, UnitValue};

/// The first bytes of a compact record (JSON starts with `{`).
pub(super) const MAGIC: &[u8] = b"\xffLC2";

fn err(what: &str) -> DecodeError {
    DecodeError(format!("stored contributions: {what}"))
}

/// The bucket a record is padded to: 512 bytes, then powers of two up to 64 KiB, then
/// multiples of 64 KiB (as the vault pads sealed submissions).
fn padded_len(len: usize) -> usize {
    const BIG: usize = 64 * 1024;
    if len <= BIG {
        len.max(512).next_power_of_two()
    } else {
        len.div_ceil(BIG) * BIG
    }
}

/// Writes varints either into a buffer or just counts them.
struct Out<'b> {
    buf: Option<&'b mut Vec<u8>>,
    len: usize,
}

impl Out<'_> {
    fn bytes(&mut self, b: &[u8]) {
        self.len += b.len();
        if let Some(buf) = self.buf.as_mut() {
            buf.extend_from_slice(b);
        }
    }
    fn varint(&mut self, mut v: u64) {
        let mut tmp = [0u8; 10];
        let mut n = 0;
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                tmp[n] = byte;
                n += 1;
                break;
            }
            tmp[n] = byte | 0x80;
            n += 1;
        }
        self.bytes(&tmp[..n]);
    }
}

impl Contributions {
    fn strings(&self) -> Vec<&str> {
        let mut strings: Vec<&str> = Vec::new();
        fn add<'s>(strings: &mut Vec<&'s str>, s: &'s str) {
            if !strings.contains(&s) {
                strings.push(s);
            }
        }
        for s in [&self.form_id, &self.form_version, &self.site] {
            add(&mut strings, s);
        }
        if let Some(r) = &self.round {
            add(&mut strings, r);
        }
        add(&mut strings, &self.period);
        for units in &self.indicators {
            for u in units {
                for k in u.keys.iter().flatten() {
                    add(&mut strings, k);
                }
            }
        }
        strings
    }

    fn write(&self, strings: &[&str], out: &mut Out<'_>) {
        let idx = |s: &str| strings.iter().position(|x| *x == s).expect("in the table") as u64;
        out.bytes(MAGIC);
        out.varint(strings.len() as u64);
        for s in strings {
            out.varint(s.len() as u64);
            out.bytes(s.as_bytes());
        }
        out.varint(idx(&self.form_id));
        out.varint(idx(&self.form_version));
        out.varint(idx(&self.site));
        out.varint(self.round.as_deref().map_or(0, |r| idx(r) + 1));
        out.varint(idx(&self.period));
        out.bytes(&[u8::from(self.consent)]);
        out.varint(self.indicators.len() as u64);
        for units in &self.indicators {
            out.varint(units.len() as u64);
            for u in units {
                match u.value {
                    UnitValue::Flag(f) => out.bytes(&[u8::from(f)]),
                    UnitValue::Number(x) => {
                        out.bytes(&[2]);
                        out.bytes(&x.to_le_bytes());
                    }
                }
                out.varint(u.keys.len() as u64);
                for k in &u.keys {
                    out.varint(k.as_deref().map_or(0, |k| idx(k) + 1));
                }
            }
        }
    }

    /// The stored form of these contributions (see the module's format), padded to its
    /// bucket, in a buffer that is wiped when dropped and never reallocated while
    /// written (so no partial copy is left in freed memory). The engine produces only
    /// finite numbers; a non-finite one would make the record unreadable.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let strings = self.strings();
        let mut count = Out { buf: None, len: 0 };
        self.write(&strings, &mut count);
        let mut buf = Zeroizing::new(Vec::with_capacity(padded_len(count.len)));
        self.write(
            &strings,
            &mut Out {
                buf: Some(&mut buf),
                len: 0,
            },
        );
        buf.resize(padded_len(count.len), 0);
        buf
    }

    /// Reads stored contributions: the compact format, or the JSON written before it.
    pub fn decode(bytes: &[u8]) -> Result<Contributions, DecodeError> {
        let Some(body) = bytes.strip_prefix(MAGIC) else {
            return serde_json::from_slice(bytes)
                .map_err(|e| err(&format!("not readable as JSON: {e}")));
        };
        let rec = Compact::parse(body)?;
        let s = |i: usize| rec.strings[i].to_string();
        let mut r = Reader::units(&rec);
        let mut indicators = Vec::with_capacity(rec.indicator_count);
        for _ in 0..rec.indicator_count {
            let n = r.varint()?;
            let mut units = Vec::with_capacity(n);
            for _ in 0..n {
                let value = r.value()?;
                let k = r.varint()?;
                let mut keys = Vec::with_capacity(k);
                for _ in 0..k {
                    let i = r.varint()?;
                    keys.push((i != 0).then(|| s(i - 1)));
                }
                units.push(Unit { value, keys });
            }
            indicators.push(units);
        }
        Ok(Contributions {
            form_id: s(rec.form_id),
            form_version: s(rec.form_version),
            site: s(rec.site),
            round: rec.round.map(s),
            period: s(rec.period),
            consent: rec.consent,
            indicators,
        })
    }
}

/// A bounds-checked reader over a record's bytes.
pub(super) struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, at: 0 }
    }

    /// A reader of a checked record's units (see [`Compact::units`]).
    pub(super) fn units(rec: &Compact<'a>) -> Reader<'a> {
        Reader {
            b: rec.body,
            at: rec.units_at,
        }
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let v = *self.b.get(self.at).ok_or_else(|| err("truncated"))?;
        self.at += 1;
        Ok(v)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).ok_or_else(|| err("truncated"))?;
        let v = self.b.get(self.at..end).ok_or_else(|| err("truncated"))?;
        self.at = end;
        Ok(v)
    }

    /// A varint that must fit the rest of the record (every count and index here is
    /// bounded by the record's length), so no count can ask for an absurd allocation.
    pub(super) fn varint(&mut self) -> Result<usize, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return usize::try_from(v)
                    .ok()
                    .filter(|&v| v <= self.b.len())
                    .ok_or_else(|| err("a count or index out of range"));
            }
        }
        Err(err("a varint is too long"))
    }

    pub(super) fn value(&mut self) -> Result<UnitValue, DecodeError> {
        match self.byte()? {
            0 => Ok(UnitValue::Flag(false)),
            1 => Ok(UnitValue::Flag(true)),
            2 => {
                let bytes: [u8; 8] = self.take(8)?.try_into().expect("eight bytes");
                let x = f64::from_le_bytes(bytes);
                if x.is_finite() {
                    Ok(UnitValue::Number(x))
                } else {
                    Err(err("a value is not a finite number"))
                }
            }
            _ => Err(err("an unknown value tag")),
        }
    }
}

/// A compact record checked end to end; its indicators section (after the count)
/// starts at `units_at`, where [`Reader::units`] can then walk it without failing.
pub(super) struct Compact<'a> {
    pub strings: Vec<&'a str>,
    pub form_id: usize,
    pub form_version: usize,
    pub site: usize,
    pub round: Option<usize>,
    pub period: usize,
    pub consent: bool,
    pub indicator_count: usize,
    body: &'a [u8],
    units_at: usize,
}

impl<'a> Compact<'a> {
    pub(super) fn parse(body: &'a [u8]) -> Result<Compact<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let n = r.varint()?;
        let mut strings = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.varint()?;
            let s = std::str::from_utf8(r.take(len)?).map_err(|_| err("invalid UTF-8"))?;
            strings.push(s);
        }
        let index = |r: &mut Reader<'_>| -> Result<usize, DecodeError> {
            let i = r.varint()?;
            if i < strings.len() {
                Ok(i)
            } else {
                Err(err("a string index out of range"))
            }
        };
        let form_id = index(&mut r)?;
        let form_version = index(&mut r)?;
        let site = index(&mut r)?;
        let round = match r.varint()? {
            0 => None,
            i if i <= strings.len() => Some(i - 1),
            _ => return Err(err("a string index out of range")),
        };
        let period = index(&mut r)?;
        let consent = match r.byte()? {
            0 => false,
            1 => true,
            _ => return Err(err("consent is neither 0 nor 1")),
        };
        let indicator_count = r.varint()?;
        let units_at = r.at;
        for _ in 0..indicator_count {
            for _ in 0..r.varint()? {
                r.value()?;
                for _ in 0..r.varint()? {
                    if r.varint()? > strings.len() {
                        return Err(err("a string index out of range"));
                    }
                }
            }
        }
        if body[r.at..].iter().any(|&b| b != 0) {
            return Err(err("bytes after the end of the record"));
        }
        Ok(Compact {
            strings,
            form_id,
            form_version,
            site,
            round,
            period,
            consent,
            indicator_count,
            body,
            units_at,
        })
    }
}

/// A string borrowed from the decrypted buffer when it has no JSON escapes (the usual
/// case), owned otherwise.
#[derive(Debug)]
pub(super) struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// [`UnitValue`] read without serde's buffering of untagged enums; accepts exactly
/// what `UnitValue`'s own `Deserialize` accepts (a boolean or a number).
pub(super) struct ValueRef(pub UnitValue);

impl<'de> Deserialize<'de> for ValueRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ValueRef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean or a number")
            }
            fn visit_bool<E>(self, v: bool) -> Result<ValueRef, E> {
                Ok(ValueRef(UnitValue::Flag(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueRef, E> {
                Ok(ValueRef(UnitValue::Number(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueRef, E> {
                Ok(ValueRef(UnitValue::Number(v as f64)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueRef, E> {
                Ok(ValueRef(UnitValue::Number(v as f64)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
pub(super) struct UnitRef<'a> {
    pub value: ValueRef,
    #[serde(borrow)]
    pub keys: Vec<Option<Text<'a>>>,
}

/// The JSON form contributions were first stored in, read with its strings borrowed
/// from the decrypted buffer.
#[derive(Deserialize)]
pub(super) struct ContributionsRef<'a> {
    #[serde(borrow)]
    pub form_id: Text<'a>,
    #[serde(borrow, rename = "form_version")]
    pub _form_version: Text<'a>,
    #[serde(borrow)]
    pub site: Text<'a>,
    #[serde(borrow)]
    pub round: Option<Text<'a>>,
    #[serde(borrow)]
    pub period: Text<'a>,
    pub consent: bool,
    #[serde(borrow)]
    pub indicators: Vec<Vec<UnitRef<'a>>>,
}
