//! TZif, the time zone information format of /etc/localtime and
//! /usr/share/zoneinfo (RFC 8536), and the POSIX TZ string of its footer
//! and of the `TZ` variable (RFC 8536 §3.3, POSIX.1-2017 §8.3): the UTC
//! offset in force at an instant. Read here instead of by glibc's
//! `localtime_r`, whose tzset/tzfile code pulls stdio, scanf and strtod
//! into the static binary (~135 kB) and faults them in after the start-up
//! trim (issue 15). Leap-second records (the `right/` zones) are skipped:
//! the offset is that of the civil time.

use super::Field;

/// Why a zone file or TZ string was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Shorter than its header says.
    Truncated,
    /// Not "TZif".
    BadMagic,
    /// A TZ string (or a footer) that does not follow POSIX §8.3.
    BadRule,
    /// A transition names a local time type that does not exist.
    BadType,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Error::Truncated => "truncated TZif data",
            Error::BadMagic => "not a TZif file",
            Error::BadRule => "bad POSIX TZ string",
            Error::BadType => "transition to an undefined local time type",
        })
    }
}

mod field {
    use super::Field;
    // RFC 8536 §3.1: magic, version, 15 unused bytes, six counts.
    pub const MAGIC: Field = 0..4;
    pub const VERSION: usize = 4;
    pub const ISUTCNT: Field = 20..24;
    pub const ISSTDCNT: Field = 24..28;
    pub const LEAPCNT: Field = 28..32;
    pub const TIMECNT: Field = 32..36;
    pub const TYPECNT: Field = 36..40;
    pub const CHARCNT: Field = 40..44;
    pub const HEADER_LEN: usize = 44;
}

/// A TZif header's counts (RFC 8536 §3.1).
struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

fn be32(b: &[u8], f: Field) -> Result<u32, Error> {
    let s = b.get(f).ok_or(Error::Truncated)?;
    Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl Header {
    fn parse(b: &[u8]) -> Result<Header, Error> {
        if b.get(field::MAGIC).ok_or(Error::Truncated)? != b"TZif" {
            return Err(Error::BadMagic);
        }
        let n = |f| be32(b, f).map(|v| v as usize);
        Ok(Header {
            version: *b.get(field::VERSION).ok_or(Error::Truncated)?,
            isutcnt: n(field::ISUTCNT)?,
            isstdcnt: n(field::ISSTDCNT)?,
            leapcnt: n(field::LEAPCNT)?,
            timecnt: n(field::TIMECNT)?,
            typecnt: n(field::TYPECNT)?,
            charcnt: n(field::CHARCNT)?,
        })
    }

    /// The data block's length for `time_size`-byte times (§3.2).
    fn data_len(&self, time_size: usize) -> usize {
        self.timecnt
            .saturating_mul(time_size + 1)
            .saturating_add(self.typecnt.saturating_mul(6))
            .saturating_add(self.charcnt)
            .saturating_add(self.leapcnt.saturating_mul(time_size + 4))
            .saturating_add(self.isstdcnt)
            .saturating_add(self.isutcnt)
    }
}

/// A UTC offset and the instants it holds for: no transition of the zone
/// falls in `[from, until)` (seconds since the epoch; `i64::MIN`/`MAX`
/// for none before/after). RFC 8536 §3.2 (transitions), §3.3 (footer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Seconds east of UTC.
    pub offset: i32,
    /// The last transition at or before the instant asked for.
    pub from: i64,
    /// The first transition after it.
    pub until: i64,
}

/// The UTC offset (seconds east) in force at `t` (seconds since the
/// epoch) by the TZif file `file` (RFC 8536 §3.2, §3.3): see [`span_at`].
pub fn offset_at(file: &[u8], t: i64) -> Result<i32, Error> {
    span_at(file, t).map(|s| s.offset)
}

/// The offset in force at `t` by the TZif file `file`, and how long it
/// holds (RFC 8536 §3.2, §3.3): the type of the last transition at or
/// before `t`, type 0 before the first one, and the footer's TZ string
/// after the last one when the file has a footer. A file whose
/// transitions are out of order (§3.2 forbids it) may give a span that
/// does not hold `t`.
pub fn span_at(file: &[u8], t: i64) -> Result<Span, Error> {
    let v1 = Header::parse(file)?;
    let v1_end = field::HEADER_LEN.saturating_add(v1.data_len(4));
    let (h, data, time_size, footer) = if v1.version >= b'2' {
        let rest = file.get(v1_end..).ok_or(Error::Truncated)?;
        let h = Header::parse(rest)?;
        let end = field::HEADER_LEN.saturating_add(h.data_len(8));
        let data = rest.get(field::HEADER_LEN..end).ok_or(Error::Truncated)?;
        (h, data, 8, footer(&rest[end..]))
    } else {
        let data = file
            .get(field::HEADER_LEN..v1_end)
            .ok_or(Error::Truncated)?;
        (v1, data, 4, None)
    };
    let times = &data[..h.timecnt * time_size];
    let indexes = &data[times.len()..times.len() + h.timecnt];
    let types = &data[times.len() + h.timecnt..][..h.typecnt * 6];
    let time = |i: usize| {
        let b = &times[i * time_size..(i + 1) * time_size];
        if time_size == 8 {
            i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        } else {
            i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
    };
    // Transitions are in ascending order (§3.2): the count at or before t.
    let (mut lo, mut hi) = (0, h.timecnt);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if time(mid) <= t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let from = if lo == 0 { i64::MIN } else { time(lo - 1) };
    if lo == h.timecnt
        && let Some(tz) = footer.filter(|f| !f.is_empty())
    {
        let rule = Rule::parse(tz)?.span_at(t)?;
        return Ok(Span {
            from: rule.from.max(from),
            ..rule
        });
    }
    let ty = if lo == 0 {
        0
    } else {
        usize::from(indexes[lo - 1])
    };
    let info = types.get(ty * 6..ty * 6 + 6).ok_or(Error::BadType)?;
    Ok(Span {
        offset: i32::from_be_bytes([info[0], info[1], info[2], info[3]]),
        from,
        until: if lo < h.timecnt { time(lo) } else { i64::MAX },
    })
}

/// The footer's TZ string: between a newline and the next (§3.3).
fn footer(b: &[u8]) -> Option<&[u8]> {
    let b = b.strip_prefix(b"\n")?;
    let end = b.iter().position(|&c| c == b'\n')?;
    Some(&b[..end])
}

/// When daylight saving time starts or ends (POSIX §8.3 `date/time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Date {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(u16),
    /// `n`: day 0..=365, February 29 counted.
    Day(u16),
    /// `Mm.w.d`: weekday d (0 Sunday) of week w (5: the last) of month m.
    Month(u8, u8, u8),
}

/// A parsed POSIX TZ string: standard offset and, with daylight saving
/// time, its offset and the two changes (seconds of local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Seconds east of UTC in standard time.
    std: i32,
    /// Seconds east of UTC in daylight saving time, and its dates.
    dst: Option<(i32, Date, i32, Date, i32)>,
}

/// A cursor over a TZ string.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let yes = self.peek() == Some(c);
        if yes {
            self.0 = &self.0[1..];
        }
        yes
    }

    fn number(&mut self, max: u32) -> Result<u32, Error> {
        let n = self.0.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return Err(Error::BadRule);
        }
        let v = self.0[..n]
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
        self.0 = &self.0[n..];
        if v > max {
            return Err(Error::BadRule);
        }
        Ok(v)
    }

    /// A zone abbreviation: `<...>` or three or more letters.
    fn name(&mut self) -> Result<(), Error> {
        if self.eat(b'<') {
            let n = self
                .0
                .iter()
                .position(|&c| c == b'>')
                .ok_or(Error::BadRule)?;
            self.0 = &self.0[n + 1..];
            return Ok(());
        }
        let n = self
            .0
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if n < 3 {
            return Err(Error::BadRule);
        }
        self.0 = &self.0[n..];
        Ok(())
    }

    /// `[+-]hh[:mm[:ss]]` in seconds; hours up to `max_h` (24 for an
    /// offset, 167 for a transition time: RFC 8536 §3.3.1).
    fn hms(&mut self, max_h: u32) -> Result<i32, Error> {
        let neg = self.eat(b'-');
        if !neg {
            self.eat(b'+');
        }
        let mut s = self.number(max_h)? * 3600;
        if self.eat(b':') {
            s += self.number(59)? * 60;
            if self.eat(b':') {
                s += self.number(59)?;
            }
        }
        let s = s as i32;
        Ok(if neg { -s } else { s })
    }

    /// `date[/time]`, the time 02:00:00 when left out.
    fn change(&mut self) -> Result<(Date, i32), Error> {
        let date = if self.eat(b'J') {
            Date::Julian(self.number(365)?.max(1) as u16)
        } else if self.eat(b'M') {
            let m = self.number(12)?.max(1) as u8;
            if !self.eat(b'.') {
                return Err(Error::BadRule);
            }
            let w = self.number(5)?.max(1) as u8;
            if !self.eat(b'.') {
                return Err(Error::BadRule);
            }
            Date::Month(m, w, self.number(6)? as u8)
        } else {
            Date::Day(self.number(365)? as u16)
        };
        let time = if self.eat(b'/') { self.hms(167)? } else { 7200 };
        Ok((date, time))
    }
}

impl Rule {
    /// Parses `std offset [dst [offset] [,start[/time],end[/time]]]`.
    /// POSIX offsets count west of UTC; the rule stores them east. A DST
    /// name without dates takes the US rules (M3.2.0,M11.1.0), as glibc
    /// does without a posixrules file.
    pub fn parse(tz: &[u8]) -> Result<Rule, Error> {
        let mut c = Cursor(tz);
        c.name()?;
        let std = -c.hms(24)?;
        if c.0.is_empty() {
            return Ok(Rule { std, dst: None });
        }
        c.name()?;
        let dst_off = match c.peek() {
            Some(b',') | None => std + 3600,
            _ => -c.hms(24)?,
        };
        let (start, end) = if c.eat(b',') {
            let start = c.change()?;
            if !c.eat(b',') {
                return Err(Error::BadRule);
            }
            (start, c.change()?)
        } else {
            ((Date::Month(3, 2, 0), 7200), (Date::Month(11, 1, 0), 7200))
        };
        if !c.0.is_empty() {
            return Err(Error::BadRule);
        }
        Ok(Rule {
            std,
            dst: Some((dst_off, start.0, start.1, end.0, end.1)),
        })
    }

    /// The offset in force at `t`.
    pub fn offset_at(&self, t: i64) -> Result<i32, Error> {
        self.span_at(t).map(|s| s.offset)
    }

    /// The offset in force at `t`, and how long it holds: at most the
    /// calendar year of `t` (in standard time), whose two changes bound it.
    pub fn span_at(&self, t: i64) -> Result<Span, Error> {
        let Some((dst, start, start_time, end, end_time)) = self.dst else {
            return Ok(Span {
                offset: self.std,
                from: i64::MIN,
                until: i64::MAX,
            });
        };
        // Years past ±35,000 have no meaning here; the bound keeps the
        // arithmetic far from overflow (and such a span holds `t` alone).
        const FAR: i64 = 1 << 40;
        let c = t.clamp(-FAR, FAR);
        let std = i64::from(self.std);
        let (year, _, _) = civil_from_days((c + std).div_euclid(86_400));
        // Start is given in standard time, end in daylight saving time.
        let on = day_of(year, start) * 86_400 + i64::from(start_time) - std;
        let off = day_of(year, end) * 86_400 + i64::from(end_time) - i64::from(dst);
        let in_dst = if on < off {
            on <= c && c < off
        } else {
            !(off <= c && c < on)
        };
        if c != t {
            return Ok(Span {
                offset: if in_dst { dst } else { self.std },
                from: t,
                until: t.saturating_add(1),
            });
        }
        // Within the year only `on` and `off` change the answer.
        let year_start = days_from_civil(year, 1, 1) * 86_400 - std;
        let next_year = days_from_civil(year + 1, 1, 1) * 86_400 - std;
        let edges = [year_start, on, off, next_year];
        Ok(Span {
            offset: if in_dst { dst } else { self.std },
            from: edges.iter().copied().filter(|&e| e <= t).max().unwrap_or(t),
            until: edges
                .iter()
                .copied()
                .filter(|&e| e > t)
                .min()
                .unwrap_or(i64::MAX),
        })
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days since 1970-01-01 of the `date` of `year`.
fn day_of(year: i64, date: Date) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    match date {
        Date::Julian(n) => {
            let n = i64::from(n);
            jan1 + n - 1 + i64::from(is_leap(year) && n >= 60)
        }
        Date::Day(n) => jan1 + i64::from(n),
        Date::Month(m, w, d) => {
            let first = days_from_civil(year, u32::from(m), 1);
            // 1970-01-01 was a Thursday (4).
            let dow = (first + 4).rem_euclid(7);
            let mut day = first + (i64::from(d) - dow).rem_euclid(7) + 7 * (i64::from(w) - 1);
            let next = if m == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, u32::from(m) + 1, 1)
            };
            while day >= next {
                day -= 7;
            }
            day
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod test {
    use super::*;

    // Debian tzdata 2025b, /usr/share/zoneinfo/Europe/Paris and
    // America/New_York, read at test time where present.
    fn zone(name: &str) -> Option<Vec<u8>> {
        std::fs::read(format!("/usr/share/zoneinfo/{name}")).ok()
    }

    const SUMMER_2024: i64 = 1_720_000_000; // 2024-07-03 09:46:40 UTC
    const WINTER_2024: i64 = 1_706_000_000; // 2024-01-23 08:53:20 UTC
    const SUMMER_2100: i64 = 4_118_000_000; // 2100-06-29, past any transition

    #[test]
    fn posix_rules() {
        let paris = Rule::parse(b"CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(paris.offset_at(SUMMER_2024), Ok(7200));
        assert_eq!(paris.offset_at(WINTER_2024), Ok(3600));
        // 2024-03-31 01:00 UTC: CEST starts; a second before, CET.
        assert_eq!(paris.offset_at(1_711_846_800), Ok(7200));
        assert_eq!(paris.offset_at(1_711_846_799), Ok(3600));
        // 2024-10-27 01:00 UTC: CEST ends.
        assert_eq!(paris.offset_at(1_729_990_800), Ok(3600));
        assert_eq!(paris.offset_at(1_729_990_799), Ok(7200));
        let ny = Rule::parse(b"EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(ny.offset_at(SUMMER_2024), Ok(-4 * 3600));
        assert_eq!(ny.offset_at(WINTER_2024), Ok(-5 * 3600));
        assert_eq!(Rule::parse(b"EST5EDT").unwrap(), ny);
        // Southern hemisphere: DST across the new year.
        let syd = Rule::parse(b"AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(syd.offset_at(SUMMER_2024), Ok(36_000));
        assert_eq!(syd.offset_at(WINTER_2024), Ok(39_600));
        assert_eq!(Rule::parse(b"UTC0").unwrap().offset_at(0), Ok(0));
        assert_eq!(
            Rule::parse(b"<+0530>-5:30").unwrap().offset_at(0),
            Ok(19_800)
        );
        // Negative transition times (RFC 8536 §3.3.1), America/Nuuk 2023.
        let nuuk = Rule::parse(b"<-03>3<-02>,M3.5.0/-2,M10.5.0/-1").unwrap();
        assert_eq!(nuuk.offset_at(SUMMER_2024), Ok(-2 * 3600));
        assert_eq!(nuuk.offset_at(WINTER_2024), Ok(-3 * 3600));
        for bad in [
            &b""[..],
            b"UT",
            b"CET",
            b"CET-1CEST,M3.5.0",
            b"X9",
            b"CET-1CEST,M13.5.0,M1.1.0",
        ] {
            assert_eq!(Rule::parse(bad), Err(Error::BadRule), "{bad:?}");
        }
    }

    #[test]
    fn zone_files() {
        let Some(paris) = zone("Europe/Paris") else {
            return;
        };
        assert_eq!(offset_at(&paris, SUMMER_2024), Ok(7200));
        assert_eq!(offset_at(&paris, WINTER_2024), Ok(3600));
        assert_eq!(offset_at(&paris, SUMMER_2100), Ok(7200));
        // 1900: local mean time of Paris, +0:09:21.
        assert_eq!(offset_at(&paris, -2_208_988_800), Ok(561));
        // Every cut before the footer ("\nCET-1CEST,M3.5.0,M10.5.0/3\n",
        // 28 bytes; without it the last transition's type holds) fails.
        for n in 0..paris.len() - 28 {
            assert!(offset_at(&paris[..n], SUMMER_2024).is_err(), "{n}");
        }
        if let Some(ny) = zone("America/New_York") {
            assert_eq!(offset_at(&ny, SUMMER_2024), Ok(-4 * 3600));
            assert_eq!(offset_at(&ny, WINTER_2024), Ok(-5 * 3600));
        }
        if let Some(utc) = zone("Etc/UTC") {
            assert_eq!(offset_at(&utc, SUMMER_2024), Ok(0));
        }
        assert_eq!(offset_at(b"TZjf2", 0), Err(Error::BadMagic));
    }

    /// Every span holds its instant, and its offset holds from its first
    /// second to its last (sampled between): a cache of a span (sys::clock)
    /// is never wrong.
    #[test]
    fn spans_hold() {
        let paris = Rule::parse(b"CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let summer = paris.span_at(SUMMER_2024).unwrap();
        assert_eq!((summer.from, summer.until), (1_711_846_800, 1_729_990_800));
        let check = |at: &dyn Fn(i64) -> Span, what: &str| {
            for i in 0..4000 {
                let t = -2_200_000_000 + i * 1_590_001;
                let s = at(t);
                assert!(s.from <= t && t < s.until, "{what} t={t} {s:?}");
                let last = s.until.saturating_sub(1).min(t + 400 * 86_400 * 365);
                let first = s.from.max(t - 400 * 86_400 * 365);
                for k in 0..=16 {
                    let u = first + (last - first) / 16 * k;
                    assert_eq!(at(u).offset, s.offset, "{what} t={t} u={u} {s:?}");
                }
            }
        };
        for rule in [
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
            "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
            "EST5EDT",
            "UTC0",
        ] {
            let r = Rule::parse(rule.as_bytes()).unwrap();
            check(&|t| r.span_at(t).unwrap(), rule);
        }
        for name in [
            "Europe/Paris",
            "Australia/Lord_Howe",
            "Africa/Casablanca",
            "America/Nuuk",
            "Etc/UTC",
        ] {
            if let Some(z) = zone(name) {
                check(&|t| span_at(&z, t).unwrap(), name);
            }
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        for z in [-800_000, -1, 59, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
