//! Dates and times as ODK expressions see them: parsing the lexical forms forms store
//! (`2024-03-01`, `2024-03-01T10:20:30.000+03:00`, `10:20:30`), converting to and from
//! days since the epoch, and `format-date` patterns. The local time zone is whatever
//! fixed UTC offset the caller's "now" carries; nothing here reads the system clock.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike,
};

pub const MS_PER_DAY: f64 = 86_400_000.0;

/// A parsed date-like string: a calendar date or an instant with its offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateLike {
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Whole days from 1970-01-01 to `date` (JavaRosa's `daysSinceEpoch`).
pub fn days_since_epoch(date: NaiveDate) -> f64 {
    (date - epoch()).num_days() as f64
}

/// Fractional days since the epoch of an instant (JavaRosa's and Enketo's
/// `decimal-date-time`).
pub fn fractional_days(instant: &DateTime<FixedOffset>) -> f64 {
    instant.timestamp_millis() as f64 / MS_PER_DAY
}

/// Local midnight of a calendar date in the given zone.
pub fn local_midnight(date: NaiveDate, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    zone.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
}

/// The instant `days` (fractional) after the epoch, shown in `zone`.
pub fn instant_from_days(days: f64, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    if !days.is_finite() || days.abs() > 3_000_000.0 {
        return None;
    }
    let millis = (days * MS_PER_DAY).round() as i64;
    DateTime::from_timestamp_millis(millis).map(|utc| utc.with_timezone(&zone))
}

/// Formats an instant as XForms `dateTime`: `2024-03-01T10:20:30.000+03:00`.
pub fn format_date_time(instant: &DateTime<FixedOffset>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.s.len() && self.i - start < max && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

/// Parses `HH:MM[:SS[.fff]]` then an optional `Z` / `±HH[:MM]`; `None` if malformed.
fn parse_time(c: &mut Cursor<'_>) -> Option<(NaiveTime, Option<FixedOffset>)> {
    let hour = c.digits(2, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2, 2)?;
    let mut second = 0;
    let mut millis = 0;
    if c.eat(b':') {
        second = c.digits(2, 2)?;
        if c.eat(b'.') {
            let start = c.i;
            let frac = c.digits(1, 9)?;
            let len = (c.i - start) as u32;
            millis = if len >= 3 {
                frac / 10u32.pow(len - 3)
            } else {
                frac * 10u32.pow(3 - len)
            };
        }
    }
    let time = NaiveTime::from_hms_milli_opt(hour, minute, second, millis)?;
    let offset = if c.eat(b'Z') {
        Some(FixedOffset::east_opt(0)?)
    } else if c.s.get(c.i) == Some(&b'+') || c.s.get(c.i) == Some(&b'-') {
        let sign = if c.s[c.i] == b'-' { -1 } else { 1 };
        c.i += 1;
        let oh = c.digits(2, 2)?;
        c.eat(b':');
        let om = if c.done() { 0 } else { c.digits(2, 2)? };
        if oh > 23 || om > 59 {
            return None;
        }
        Some(FixedOffset::east_opt(
            sign * (oh as i32 * 3600 + om as i32 * 60),
        )?)
    } else {
        None
    };
    Some((time, offset))
}

/// Parses an XForms `date` or `dateTime` string; a date-time without an offset is read
/// in `zone`. Returns `None` for anything else, including impossible dates (2021-02-30).
pub fn parse_date_like(text: &str, zone: FixedOffset) -> Option<DateLike> {
    let s = text.trim();
    let mut c = Cursor {
        s: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4, 4)? as i32;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(1, 2)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if c.done() {
        return Some(DateLike::Date(date));
    }
    if !(c.eat(b'T') || c.eat(b' ')) {
        return None;
    }
    let (time, offset) = parse_time(&mut c)?;
    if !c.done() {
        return None;
    }
    let naive = NaiveDateTime::new(date, time);
    let zone = offset.unwrap_or(zone);
    zone.from_local_datetime(&naive)
        .single()
        .map(DateLike::DateTime)
}

/// Parses a bare XForms `time` (`10:20:30.000-07:00`) into an instant on the epoch day,
/// or a full date-time; used by `decimal-time`.
pub fn parse_time_of_day(text: &str, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    if let Some(DateLike::DateTime(dt)) = parse_date_like(text, zone) {
        return Some(dt);
    }
    let s = text.trim();
    let mut c = Cursor {
        s: s.as_bytes(),
        i: 0,
    };
    let (time, offset) = parse_time(&mut c)?;
    if !c.done() {
        return None;
    }
    let zone = offset.unwrap_or(zone);
    zone.from_local_datetime(&NaiveDateTime::new(epoch(), time))
        .single()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Applies an ODK `format-date` pattern (`%Y %y %m %n %b %d %e %a %H %h %M %S %3`).
pub fn format_pattern(instant: &NaiveDateTime, pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", instant.year())),
            Some('y') => out.push_str(&format!("{:02}", instant.year().rem_euclid(100))),
            Some('m') => out.push_str(&format!("{:02}", instant.month())),
            Some('n') => out.push_str(&instant.month().to_string()),
            Some('b') => out.push_str(MONTHS[instant.month0() as usize]),
            Some('d') => out.push_str(&format!("{:02}", instant.day())),
            Some('e') => out.push_str(&instant.day().to_string()),
            Some('a') => {
                out.push_str(DAYS[instant.weekday().num_days_from_sunday() as usize]);
            }
            Some('H') => out.push_str(&format!("{:02}", instant.hour())),
            Some('h') => out.push_str(&instant.hour().to_string()),
            Some('M') => out.push_str(&format!("{:02}", instant.minute())),
            Some('S') => out.push_str(&format!("{:02}", instant.second())),
            Some('3') => {
                out.push_str(&format!("{:03}", instant.nanosecond() / 1_000_000 % 1000));
            }
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}
