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

/// `t` in the local time zone (TZ, else /etc/localtime; glibc reads the
/// zone file itself, which needs no NSS and works in a static binary).
pub fn local(t: i64) -> LocalTime {
    let secs: libc::time_t = t;
    // SAFETY: `tm` is plain data that localtime_r fills; both pointers are
    // valid for the call.
    let mut tm: libc::tm = unsafe { core::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        tm = unsafe { core::mem::zeroed() };
    }
    LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon.clamp(0, 11)) as usize,
        mday: tm.tm_mday,
        wday: (tm.tm_wday.clamp(0, 6)) as usize,
        hour: tm.tm_hour,
        min: tm.tm_min,
        sec: tm.tm_sec,
    }
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
    }
}
