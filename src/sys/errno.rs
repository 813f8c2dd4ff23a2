//! Words for OS error numbers: one table for the network errnos the
//! probes report, and the `std::io::Error` text without its
//! "(os error N)" suffix for the applets' `fatal:` lines.

use core::fmt;

/// `strerror` for the errnos a network check meets, without libc's locale
/// tables (a static binary has none); any other number prints as
/// `errno N`.
#[derive(Debug, Clone, Copy)]
pub struct ErrnoText(pub i32);

impl fmt::Display for ErrnoText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.0 {
            libc::ECONNREFUSED => "Connection refused",
            libc::ECONNRESET => "Connection reset by peer",
            libc::ETIMEDOUT => "Connection timed out",
            libc::EHOSTUNREACH => "No route to host",
            libc::ENETUNREACH => "Network is unreachable",
            libc::EPIPE => "Broken pipe",
            libc::EADDRNOTAVAIL => "Cannot assign requested address",
            libc::EADDRINUSE => "Address already in use",
            libc::EAFNOSUPPORT => "Address family not supported by protocol",
            libc::EACCES => "Permission denied",
            libc::EPERM => "Operation not permitted",
            libc::EMFILE => "Too many open files",
            libc::ENFILE => "Too many open files in system",
            libc::ENOBUFS => "No buffer space available",
            libc::ENOMEM => "Cannot allocate memory",
            libc::EINVAL => "Invalid argument",
            libc::ENETDOWN => "Network is down",
            libc::EHOSTDOWN => "Host is down",
            other => return write!(f, "errno {other}"),
        };
        f.write_str(text)
    }
}

/// The reason of an I/O error as `strerror` words, without std's
/// " (os error N)" suffix: `No such file or directory`.
pub fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn texts() {
        let mut s = heapless::String::<64>::new();
        core::fmt::write(&mut s, format_args!("{}", ErrnoText(libc::ECONNREFUSED))).unwrap();
        assert_eq!(s.as_str(), "Connection refused");
        s.clear();
        core::fmt::write(&mut s, format_args!("{}", ErrnoText(9999))).unwrap();
        assert_eq!(s.as_str(), "errno 9999");
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(os_reason(&e), "No such file or directory");
    }
}
