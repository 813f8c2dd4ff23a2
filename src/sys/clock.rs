//! Wall-clock formatting in local time, allocation-free: the syslog stamp
//! (`Jan  8 13:34:43`, RFC 3164 §4.1.2) and ctime(3) form
//! (`Thu Jan 18 13:34:43 2007`) that padmin shows.

use core::fmt;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
    ts.tv_sec
}

/// Broken-down local time.
#[derive(Debug, Clone, Copy)]
pub struct LocalTime {
    pub year: i32,
    pub month: usize,
    pub mday: i32,
    pub wday: usize,
    pub hour: i32,
    pub min: i32,
    pub sec: i32,
}

/// `t` in the local time zone: TZ as glibc reads it (unset:
/// /etc/localtime; empty: UTC; `[:]FILE`, absolute or under
/// /usr/share/zoneinfo; else a POSIX TZ string), through
/// `wire::tzif` rather than glibc's `localtime_r` (see there why). UTC
/// when none of them is understood, as glibc. Allocation-free: the zone
/// file is read into a stack buffer, and the offset kept (see
/// [`utc_offset`]).
pub fn local(t: i64) -> LocalTime {
    let s = t + utc_offset(t);
    let days = s.div_euclid(86_400);
    let secs = s.rem_euclid(86_400) as i32;
    let (year, month, mday) = crate::wire::tzif::civil_from_days(days);
    LocalTime {
        year: year as i32,
        month: (month - 1) as usize,
        mday: mday as i32,
        // 1970-01-01 was a Thursday.
        wday: (days + 4).rem_euclid(7) as usize,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
    }
}

/// The last offset found: the TZ it was found for, the instants it holds
/// for, and when the zone was read.
struct Kept {
    tz: heapless::Vec<u8, 128>,
    span: crate::wire::tzif::Span,
    read_at: i64,
}

/// The zone is read again after this many seconds even while the kept
/// offset holds, so a node whose /etc/localtime is replaced logs in the
/// new zone within a minute (glibc's localtime_r never reads it again).
const REREAD_SECS: i64 = 60;

static KEPT: std::sync::Mutex<Option<Kept>> = std::sync::Mutex::new(None);

/// Reads the zone now, as the first call after [`REREAD_SECS`] would.
/// Run right after the start-up trim (`sys::mem`): the code of this
/// timer-driven re-read is then resident from the start instead of being
/// faulted back a minute into the steady state, a page of growth in a
/// monitor that otherwise touches nothing new.
pub fn reread_zone() {
    KEPT.lock().unwrap_or_else(|e| e.into_inner()).take();
    local(now_unix());
}

/// Seconds east of UTC at `t` (see [`local`]). Kept between calls: the
/// zone file's open, reads and parse came before every syslog line, two of
/// them before each restart pcheck makes (issue 15: kill → restart
/// latency).
fn utc_offset(t: i64) -> i64 {
    // SAFETY: getenv returns NULL or a NUL-terminated string of the
    // environment, read here before anything in this single-threaded
    // process can change it.
    let tz = unsafe { libc::getenv(c"TZ".as_ptr()) };
    let tz: Option<&[u8]> =
        // SAFETY: non-NULL: a C string (above).
        (!tz.is_null()).then(|| unsafe { core::ffi::CStr::from_ptr(tz) }.to_bytes());
    // Unset and set are different keys: a NUL cannot be in a TZ value.
    let key = tz.unwrap_or(b"\0");
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = kept.as_ref()
        && k.tz == key
        && k.span.from <= t
        && t < k.span.until
        && k.read_at <= t
        && t - k.read_at < REREAD_SECS
    {
        return k.span.offset.into();
    }
    let span = zone_span(tz.unwrap_or(b"/etc/localtime"), t);
    // A TZ too long to keep is read at each call, as before.
    *kept = heapless::Vec::from_slice(key).ok().map(|tz| Kept {
        tz,
        span,
        read_at: t,
    });
    span.offset.into()
}

/// The offset at `t` by the TZ value `spec` (see [`local`]), and its span.
fn zone_span(spec: &[u8], t: i64) -> crate::wire::tzif::Span {
    use crate::wire::tzif;
    let utc = tzif::Span {
        offset: 0,
        from: i64::MIN,
        until: i64::MAX,
    };
    if spec.is_empty() {
        return utc;
    }
    let spec = spec.strip_prefix(b":").unwrap_or(spec);
    let mut buf = [0u8; 8192];
    if let Some(n) = read_zone(spec, &mut buf)
        && let Ok(span) = tzif::span_at(&buf[..n], t)
    {
        return span;
    }
    tzif::Rule::parse(spec)
        .and_then(|r| r.span_at(t))
        .unwrap_or(utc)
}

/// Reads the zone file `spec` names into `buf`; `None` when there is none
/// or it does not fit (the largest zone of tzdata is under 4 kB).
fn read_zone(spec: &[u8], buf: &mut [u8]) -> Option<usize> {
    let mut path = heapless::Vec::<u8, 512>::new();
    if !spec.starts_with(b"/") {
        path.extend_from_slice(b"/usr/share/zoneinfo/").ok()?;
    }
    path.extend_from_slice(spec).ok()?;
    path.push(0).ok()?;
    let path = core::ffi::CStr::from_bytes_with_nul(&path).ok()?;
    let fd = rustix::fs::open(
        path,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()?;
    let mut n = 0;
    while n < buf.len() {
        match rustix::io::read(&fd, &mut buf[n..]) {
            Ok(0) => return Some(n),
            Ok(k) => n += k,
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return None,
        }
    }
    None
}

/// Writes `Mmm dd hh:mm:ss` (day space-padded), the RFC 3164 TIMESTAMP.
pub fn write_syslog_stamp(w: &mut impl fmt::Write, t: i64) -> fmt::Result {
    let l = local(t);
    write!(
        w,
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[l.month], l.mday, l.hour, l.min, l.sec
    )
}

/// Writes the ctime(3) form without its newline: `Thu Jan 18 13:34:43 2007`.
pub fn write_ctime(w: &mut impl fmt::Write, t: i64) -> fmt::Result {
    let l = local(t);
    write!(
        w,
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[l.wday], MONTHS[l.month], l.mday, l.hour, l.min, l.sec, l.year
    )
}

/// `d` as the `timespec` of rustix's poll/epoll calls (saturating: a
/// duration past i64 seconds waits "for ever").
pub fn to_timespec(d: std::time::Duration) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// `d` as libc's `timespec`, for the raw syscalls (semtimedop, futex).
pub(crate) fn timespec(d: std::time::Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(d.subsec_nanos()),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    unsafe extern "C" {
        fn tzset();
    }

    #[test]
    fn ctime_and_stamp_shapes() {
        // 2007-01-18 13:34:43 UTC, a Thursday, as in the ProcessSaver manual.
        // SAFETY: single-threaded test setup; nothing else reads TZ now.
        unsafe { std::env::set_var("TZ", "UTC0") };
        let mut s = heapless::String::<64>::new();
        write_ctime(&mut s, 1_169_127_283).unwrap();
        assert_eq!(s.as_str(), "Thu Jan 18 13:34:43 2007");
        let mut s = heapless::String::<64>::new();
        write_syslog_stamp(&mut s, 1_167_831_283).unwrap();
        assert_eq!(s.as_str(), "Jan  3 13:34:43");
        // SAFETY: as above.
        unsafe { std::env::set_var("TZ", "CET-1CEST,M3.5.0,M10.5.0/3") };
        let mut s = heapless::String::<64>::new();
        write_ctime(&mut s, 1_720_000_000).unwrap();
        assert_eq!(s.as_str(), "Wed Jul  3 11:46:40 2024");
        if std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
            // SAFETY: as above.
            unsafe { std::env::set_var("TZ", ":America/New_York") };
            let mut s = heapless::String::<64>::new();
            write_ctime(&mut s, 1_706_000_000).unwrap();
            assert_eq!(s.as_str(), "Tue Jan 23 03:53:20 2024");
        }
        // The offsets agree with glibc's localtime_r, zone files and TZ
        // strings, from 1901 to 2100 (one instant every ~9 days, and the
        // seconds around each DST change of 2024 in Paris).
        let mut times: Vec<i64> = (0..8000).map(|i| -2_200_000_000 + i * 795_000).collect();
        times.extend([1_711_846_799, 1_711_846_800, 1_729_990_799, 1_729_990_800]);
        for tz in [
            ":Europe/Paris",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "America/Sao_Paulo",
            "Pacific/Chatham",
            "Africa/Casablanca",
            "America/Nuuk",
            "Etc/UTC",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
            "",
        ] {
            // SAFETY: as above; tzset makes glibc read the new TZ.
            unsafe {
                std::env::set_var("TZ", tz);
                tzset();
            }
            // glibc computes a TZ string's rules from 1970 on only.
            let rule = tz.contains(',');
            for &t in times.iter().filter(|&&t| !rule || t >= 0) {
                let mut tm: libc::tm = unsafe { core::mem::zeroed() };
                // SAFETY: both pointers are valid for the call.
                unsafe { libc::localtime_r(&t, &mut tm) };
                let ours = local(t);
                assert_eq!(
                    (
                        ours.year,
                        ours.month as i32,
                        ours.mday,
                        ours.hour,
                        ours.min,
                        ours.sec
                    ),
                    (
                        tm.tm_year + 1900,
                        tm.tm_mon,
                        tm.tm_mday,
                        tm.tm_hour,
                        tm.tm_min,
                        tm.tm_sec
                    ),
                    "TZ={tz} t={t}"
                );
                assert_eq!(ours.wday as i32, tm.tm_wday);
            }
        }
        // The offset is kept while it holds, and the zone read again after
        // REREAD_SECS: a replaced zone file shows within a minute.
        let (Ok(paris), Ok(tokyo)) = (
            std::fs::read("/usr/share/zoneinfo/Europe/Paris"),
            std::fs::read("/usr/share/zoneinfo/Asia/Tokyo"),
        ) else {
            panic!("tzdata (Europe/Paris, Asia/Tokyo) is needed");
        };
        let dir = std::env::temp_dir().join(format!("mamori-clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let zone = dir.join("localtime");
        std::fs::write(&zone, &paris).unwrap();
        // SAFETY: as above.
        unsafe { std::env::set_var("TZ", &zone) };
        let t = 1_720_000_000;
        assert_eq!(local(t).hour, 11);
        std::fs::write(&zone, &tokyo).unwrap();
        assert_eq!(local(t + 30).hour, 11, "kept for a minute");
        assert_eq!(local(t + REREAD_SECS).hour, 18, "read again");
        // Across a transition the kept offset is not used: the new one is
        // found at once.
        std::fs::write(&zone, &paris).unwrap();
        assert_eq!(local(1_729_990_790).hour, 2);
        assert_eq!(local(1_729_990_800).hour, 2, "CEST ended at 01:00 UTC");
        assert_eq!(local(1_729_990_799).hour, 2);
        assert_eq!(local(1_729_990_799).min, 59);
        std::fs::remove_dir_all(&dir).unwrap();
        // SAFETY: as above.
        unsafe { std::env::set_var("TZ", "UTC0") };
    }
}
