//! The kernel's process-event connector (`NETLINK_CONNECTOR`,
//! `CN_IDX_PROC`, linux/cn_proc.h): a fork or exit anywhere on the system
//! arrives as a datagram, in order. A supervisor learns from it the parent
//! of every new process, hence the fork depth of each descendant, which no
//! `/proc` scan can recover once an intermediate process has exited.
//! Needs CAP_NET_ADMIN; callers fall back to `/proc` without it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::last_error;

const NETLINK_CONNECTOR: i32 = 11;
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
const PROC_EVENT_FORK: u32 = 0x0000_0001;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;
const NLMSG_DONE: u16 = 3;
/// `struct nlmsghdr` (16 bytes) then `struct cn_msg` (20 bytes).
const NLMSG_HDR: usize = 16;
const CN_MSG_HDR: usize = 20;
/// `struct proc_event`: what (u32), cpu (u32), timestamp_ns (u64), data.
const EVENT_DATA: usize = 16;

/// One event about one process (threads are filtered out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcEvent {
    Fork {
        parent: i32,
        child: i32,
    },
    Exit {
        pid: i32,
    },
    /// The socket overflowed: events were lost, rescan `/proc`.
    Lost,
}

/// A subscription to process events.
pub struct ProcEvents {
    fd: OwnedFd,
}

impl ProcEvents {
    /// Subscribes (non-blocking socket).
    pub fn open() -> io::Result<ProcEvents> {
        // SAFETY: plain syscall wrapper; the fd is owned below.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                NETLINK_CONNECTOR,
            )
        };
        if raw < 0 {
            return Err(last_error());
        }
        // SAFETY: a fresh fd we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: sockaddr_nl is plain data.
        let mut addr: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        addr.nl_groups = CN_IDX_PROC;
        // SAFETY: `addr` is a valid sockaddr_nl of the given size.
        let r = unsafe {
            libc::bind(
                raw,
                (&addr as *const libc::sockaddr_nl).cast(),
                size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r < 0 {
            return Err(last_error());
        }
        let mut msg = [0u8; NLMSG_HDR + CN_MSG_HDR + 4];
        let len = msg.len() as u32;
        msg[0..4].copy_from_slice(&len.to_ne_bytes()); // nlmsg_len
        msg[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes()); // nlmsg_type
        msg[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes()); // cn_msg.id.idx
        msg[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes()); // cn_msg.id.val
        msg[32..34].copy_from_slice(&4u16.to_ne_bytes()); // cn_msg.len
        msg[36..40].copy_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        // SAFETY: `msg` is valid for its length; the kernel is the peer.
        let n = unsafe { libc::send(raw, msg.as_ptr().cast(), msg.len(), 0) };
        if n < 0 {
            return Err(last_error());
        }
        Ok(ProcEvents { fd })
    }

    /// Calls `f` for every queued event, until the socket is empty.
    pub fn drain(&self, mut f: impl FnMut(ProcEvent)) {
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: `buf` is valid for its length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                match last_error().raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::ENOBUFS) => {
                        f(ProcEvent::Lost);
                        continue;
                    }
                    _ => return,
                }
            }
            parse(&buf[..n as usize], &mut f);
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses the netlink messages of one datagram.
fn parse(mut b: &[u8], f: &mut impl FnMut(ProcEvent)) {
    while let Some(len) = u32_at(b, 0) {
        let len = len as usize;
        if len < NLMSG_HDR || len > b.len() {
            return;
        }
        let ev = &b[NLMSG_HDR + CN_MSG_HDR.min(len - NLMSG_HDR)..len];
        let data = |k: usize| u32_at(ev, EVENT_DATA + 4 * k).map(|v| v as i32);
        match u32_at(ev, 0) {
            // fork: parent_pid, parent_tgid, child_pid, child_tgid
            Some(PROC_EVENT_FORK) => {
                if let (Some(parent), Some(pid), Some(tgid)) = (data(1), data(2), data(3))
                    && pid == tgid
                {
                    f(ProcEvent::Fork { parent, child: pid });
                }
            }
            // exit: process_pid, process_tgid, exit_code, …
            Some(PROC_EVENT_EXIT) => {
                if let (Some(pid), Some(tgid)) = (data(0), data(1))
                    && pid == tgid
                {
                    f(ProcEvent::Exit { pid });
                }
            }
            _ => {}
        }
        let step = (len + 3) & !3;
        b = b.get(step..).unwrap_or_default();
    }
}

impl AsFd for ProcEvents {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn parses_fork_and_skips_threads() {
        let mut d = [0u8; 36 + 16 + 16];
        let len = d.len() as u32;
        d[0..4].copy_from_slice(&len.to_ne_bytes());
        d[36..40].copy_from_slice(&PROC_EVENT_FORK.to_ne_bytes());
        for (k, v) in [10u32, 10, 11, 11].iter().enumerate() {
            d[52 + 4 * k..56 + 4 * k].copy_from_slice(&v.to_ne_bytes());
        }
        let mut got = Vec::new();
        parse(&d, &mut |e| got.push(e));
        assert_eq!(
            got,
            [ProcEvent::Fork {
                parent: 10,
                child: 11
            }]
        );
        d[60..64].copy_from_slice(&12u32.to_ne_bytes()); // a thread
        got.clear();
        parse(&d, &mut |e| got.push(e));
        assert!(got.is_empty());
        for cut in 0..d.len() {
            parse(&d[..cut], &mut |_| {});
        }
    }
}
