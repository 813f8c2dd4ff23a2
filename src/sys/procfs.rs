//! Reading `/proc` without allocating: process identity (pid + start time,
//! so a reused pid is never mistaken for the process we knew), state, and
//! the two names a process is found by: `comm` and the basename of argv[0].

use core::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags, RawDir};

/// What `/proc/PID/stat` says of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// One-letter state (`R`, `S`, `Z`, …).
    pub state: u8,
    pub ppid: i32,
    /// Start time in clock ticks since boot (field 22): with the pid, the
    /// identity of a process.
    pub start: u64,
}

impl Stat {
    /// A zombie or dead task is no longer running its program.
    pub fn is_gone(&self) -> bool {
        matches!(self.state, b'Z' | b'X' | b'x')
    }
}

/// A process met during a scan.
pub struct Process<'a> {
    pub pid: i32,
    pub stat: Stat,
    /// `comm` (at most 15 bytes).
    pub comm: &'a [u8],
    /// Basename of argv[0]; empty for kernel threads.
    pub argv0: &'a [u8],
    /// The owner: the effective uid /proc shows for it.
    pub uid: u32,
}

/// Reusable buffers for scanning `/proc`, so a scan allocates nothing.
pub struct Scanner {
    proc_dir: OwnedFd,
    dirent_buf: [MaybeUninit<u8>; 8192],
    stat_buf: [u8; 1024],
    cmd_buf: [u8; 1024],
}

impl Scanner {
    /// Opens `/proc`.
    pub fn new() -> std::io::Result<Scanner> {
        let proc_dir = rustix::fs::open(
            "/proc",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Scanner {
            proc_dir,
            dirent_buf: [MaybeUninit::uninit(); 8192],
            stat_buf: [0; 1024],
            cmd_buf: [0; 1024],
        })
    }

    /// Calls `f` for every live (non-zombie) process.
    pub fn for_each(&mut self, mut f: impl FnMut(&Process<'_>)) -> std::io::Result<()> {
        let dir = rustix::fs::openat(
            &self.proc_dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut raw = RawDir::new(&dir, &mut self.dirent_buf);
        while let Some(entry) = raw.next() {
            let Ok(entry) = entry else { break };
            let Some(pid) = parse_pid(entry.file_name().to_bytes()) else {
                continue;
            };
            let Some((stat, comm_range, uid)) = read_stat(&self.proc_dir, pid, &mut self.stat_buf)
            else {
                continue;
            };
            if stat.is_gone() {
                continue;
            }
            let argv0 = read_argv0(&self.proc_dir, pid, &mut self.cmd_buf);
            f(&Process {
                pid,
                stat,
                comm: &self.stat_buf[comm_range],
                argv0: &self.cmd_buf[argv0],
                uid,
            });
        }
        Ok(())
    }

    /// The stat of one process, or `None` when it does not exist.
    pub fn stat(&mut self, pid: i32) -> Option<Stat> {
        read_stat(&self.proc_dir, pid, &mut self.stat_buf).map(|(s, _, _)| s)
    }
}

/// The stat of `pid` (opens `/proc` each time; for callers without a
/// [`Scanner`]).
pub fn stat(pid: i32) -> Option<Stat> {
    let mut buf = [0u8; 1024];
    let proc_dir = rustix::fs::open(
        "/proc",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    read_stat(&proc_dir, pid, &mut buf).map(|(s, _, _)| s)
}

/// Whether the process `pid` that started at `start` is still running.
pub fn is_alive(pid: i32, start: u64) -> bool {
    matches!(stat(pid), Some(s) if s.start == start && !s.is_gone())
}

fn parse_pid(name: &[u8]) -> Option<i32> {
    if name.is_empty() || name.len() > 9 || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i32 = 0;
    for &c in name {
        v = v * 10 + i32::from(c - b'0');
    }
    (v > 0).then_some(v)
}

fn read_file(dir: impl AsFd, pid: i32, leaf: &str, buf: &mut [u8]) -> Option<usize> {
    read_open_file(dir, pid, leaf, buf).map(|(len, _)| len)
}

/// Reads `/proc/PID/LEAF` into `buf`, and hands back the still open file.
fn read_open_file(
    dir: impl AsFd,
    pid: i32,
    leaf: &str,
    buf: &mut [u8],
) -> Option<(usize, OwnedFd)> {
    let mut path = heapless::String::<32>::new();
    core::fmt::write(&mut path, format_args!("{pid}/{leaf}")).ok()?;
    let fd = rustix::fs::openat(
        dir,
        path.as_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let mut len = 0;
    while len < buf.len() {
        match rustix::io::read(&fd, &mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return None,
        }
    }
    Some((len, fd))
}

/// Parses `/proc/PID/stat`: `pid (comm) S ppid … starttime(22) …`. The comm
/// may hold spaces and parentheses, so fields are counted after the last
/// `)`. Also gives the process's owner (its effective uid): the owner of
/// the file, as of `/proc/PID` itself, read with an `fstat` of the open
/// file rather than a second path look-up (a scan does this for every
/// process on the node).
fn read_stat(
    dir: impl AsFd,
    pid: i32,
    buf: &mut [u8; 1024],
) -> Option<(Stat, core::ops::Range<usize>, u32)> {
    let (len, fd) = read_open_file(dir, pid, "stat", buf)?;
    let uid = rustix::fs::fstat(&fd).ok()?.st_uid;
    drop(fd);
    let text = &buf[..len];
    let open = text.iter().position(|&c| c == b'(')?;
    let close = text.iter().rposition(|&c| c == b')')?;
    if close < open {
        return None;
    }
    let rest = text.get(close + 2..)?;
    let mut fields = rest.split(|&c| c == b' ');
    let state = *fields.next()?.first()?;
    let ppid = parse_u64(fields.next()?)? as i32;
    // Fields 5..=21 lie between ppid (4) and starttime (22).
    let start = parse_u64(fields.nth(17)?)?;
    Some((Stat { state, ppid, start }, open + 1..close, uid))
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// The basename of argv[0] as a range of `buf`.
fn read_argv0(dir: impl AsFd, pid: i32, buf: &mut [u8; 1024]) -> core::ops::Range<usize> {
    let Some(len) = read_file(dir, pid, "cmdline", buf) else {
        return 0..0;
    };
    let arg0_end = buf[..len].iter().position(|&c| c == 0).unwrap_or(len);
    let base = buf[..arg0_end]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |i| i + 1);
    base..arg0_end
}

/// Which strings of this process's own start-up memory to edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartupArea {
    /// argv: what `/proc/PID/cmdline` and `ps` show.
    Args,
    /// The environment: what `/proc/PID/environ` shows.
    Env,
}

/// Lets `edit` rewrite this process's own argv (or environment) strings in
/// place, so that a secret given on the command line stops showing in
/// `/proc/PID/cmdline` and `ps` from then on.
///
/// The strings live where the kernel put them at exec; `/proc/self/stat`
/// fields 48–51 give their range and `/proc/self/mem` reaches them without
/// raw pointers. `edit` must keep the length and the NUL separators:
/// `std::env` still holds pointers into this memory, so moving a string
/// would corrupt every later one.
pub fn edit_own_startup_strings(
    area: StartupArea,
    edit: impl FnOnce(&mut [u8]),
) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let stat = std::fs::read("/proc/self/stat")?;
    let bad = || std::io::Error::other("/proc/self/stat: unexpected format");
    let close = stat.iter().rposition(|&c| c == b')').ok_or_else(bad)?;
    // Fields are counted from 1; field 3 is the first after the comm.
    let fields: Vec<&[u8]> = stat
        .get(close + 2..)
        .ok_or_else(bad)?
        .split(|&c| c == b' ' || c == b'\n')
        .collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| parse_u64(f)).ok_or_else(bad);
    let (start, end) = match area {
        StartupArea::Args => (field(48)?, field(49)?),
        StartupArea::Env => (field(50)?, field(51)?),
    };
    if end <= start || end - start > 1 << 20 {
        return Err(bad());
    }
    let mem = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/self/mem")?;
    let mut buf = vec![0u8; (end - start) as usize];
    mem.read_exact_at(&mut buf, start)?;
    let before = buf.clone();
    edit(&mut buf);
    if buf.len() != before.len() {
        return Err(std::io::Error::other("startup strings changed length"));
    }
    if buf != before {
        mem.write_all_at(&buf, start)?;
    }
    Ok(())
}

/// Replaces this process's whole command line, as `ps` and
/// `/proc/PID/cmdline` show it, with the words of `words` (cut to fit the
/// original argv area, the rest zeroed). For a process that never reads
/// its arguments again: `std::env::args` would then see these words.
pub fn set_own_cmdline(words: &[&str]) -> std::io::Result<()> {
    edit_own_startup_strings(StartupArea::Args, |area| {
        let mut at = 0;
        for w in words {
            let room = area.len().saturating_sub(at + 1);
            let n = w.len().min(room);
            area[at..at + n].copy_from_slice(&w.as_bytes()[..n]);
            at += n;
            if at < area.len() {
                area[at] = 0;
                at += 1;
            }
        }
        area[at..].fill(0);
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn finds_itself() {
        let me = super::super::getpid();
        let mut scanner = Scanner::new().unwrap();
        let mut seen = false;
        scanner
            .for_each(|p| {
                if p.pid == me {
                    seen = true;
                    assert!(!p.argv0.is_empty());
                    assert!(!p.comm.is_empty());
                }
            })
            .unwrap();
        assert!(seen);
        let s = scanner.stat(me).unwrap();
        assert!(is_alive(me, s.start));
        assert!(!is_alive(me, s.start + 1));
    }

    #[test]
    fn parse_pid_rejects_names() {
        assert_eq!(parse_pid(b"123"), Some(123));
        assert_eq!(parse_pid(b"self"), None);
        assert_eq!(parse_pid(b""), None);
        assert_eq!(parse_pid(b"0"), None);
    }
}
