//! The pfile of ProcessSaver (SPEC §1, seed 001 §3.2): PARAM lines
//! `KEY value` and PENT lines `name:restart:GRACE:retries:action`.
//! Section headers such as `##### PARAM #####` are comments; a line is a
//! PENT when it holds a `:`. Every error names the file and the line, and a
//! pfile with any error is refused whole.

use std::fmt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

// Re-exported for src/pcheck/, which still names it here.
use crate::sys::errno::os_reason;

/// What to do when a process dies more than `retries` times within GRACE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Stop watching that process; keep the rest.
    Continue,
    /// End pcheck with a failure status, so the cluster fails over.
    Exit,
    /// End pcheck.
    Shutdown,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Continue => "continue",
            Action::Exit => "exit",
            Action::Shutdown => "shutdown",
        }
    }
}

/// PARAM values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub ipckey: i32,
    pub msg_check_interval: Duration,
    pub monitor_interval: Duration,
    pub monitor_try_count: u32,
    pub shm_dump_file: PathBuf,
    /// `ALLOWED_USERS`: regular uids whose processes PENTs may adopt
    /// besides root and system accounts.
    pub allowed_uids: Vec<u32>,
    /// `RESTART_TIMEOUT`: how long a restart program may run before its
    /// whole tree is killed and it counts as a failed restart.
    pub restart_timeout: Duration,
}

/// One PENT line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pent {
    pub line: usize,
    pub name: String,
    /// The restart command's words; `None` for `-` (only log the death).
    pub restart: Option<Vec<String>>,
    pub grace: Duration,
    pub retries: u32,
    pub action: Action,
}

/// A parsed, validated pfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pfile {
    /// The absolute path it was read from.
    pub path: PathBuf,
    pub params: Params,
    pub pents: Vec<Pent>,
}

/// Why a pfile was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub path: String,
    /// 0 when the error concerns the whole file.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.path, self.line, self.reason)
        }
    }
}

/// Longest process name accepted (argv[0] basenames can exceed comm's 15).
pub const NAME_MAX: usize = 63;
/// Most PENT lines one pcheck watches.
pub const PENT_MAX: usize = 4096;

const DEFAULT_MSG_CHECK_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_MONITOR_INTERVAL: Duration = Duration::from_secs(10);
const DEFAULT_RESTART_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_MONITOR_TRY_COUNT: u32 = 2;

/// Directory of the default SHM_DUMP_FILE (`pcheck_dump_0xKEY` in it).
pub const DUMP_DIR_ENV: &str = "MAMORI_DUMP_DIR";
const DEFAULT_DUMP_DIR: &str = "/var/tmp";

/// Reads and validates the pfile at `path`. When `strict_owner` (running as
/// root), the pfile and every restart program must be owned by root and
/// not writable by group or others.
pub fn load(path: &Path, strict_owner: bool) -> Result<Pfile, Error> {
    let shown = path.display().to_string();
    let whole = |reason: String| Error {
        path: shown.clone(),
        line: 0,
        reason,
    };
    let abs = std::fs::canonicalize(path).map_err(|e| whole(os_reason(&e)))?;
    let meta = std::fs::metadata(&abs).map_err(|e| whole(os_reason(&e)))?;
    if !meta.is_file() {
        return Err(whole("not a regular file".into()));
    }
    if strict_owner {
        check_owner(&meta).map_err(whole)?;
    }
    let bytes = std::fs::read(&abs).map_err(|e| whole(os_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|_| whole("not UTF-8 text".into()))?;
    let mut pfile = parse(&text, &shown, abs, strict_owner)?;
    pfile.path = std::fs::canonicalize(path).unwrap_or(pfile.path);
    Ok(pfile)
}

/// Parses pfile text; `path` is used in messages.
pub fn parse(text: &str, shown: &str, abs: PathBuf, strict_owner: bool) -> Result<Pfile, Error> {
    let err = |line: usize, reason: String| Error {
        path: shown.to_string(),
        line,
        reason,
    };
    let mut ipckey = None;
    let mut msg_check_interval = None;
    let mut monitor_interval = None;
    let mut monitor_try_count = None;
    let mut shm_dump_file: Option<PathBuf> = None;
    let mut allowed_uids: Option<Vec<u32>> = None;
    let mut restart_timeout = None;
    let mut pents: Vec<Pent> = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.contains(':') {
            let pent = parse_pent(content, line, strict_owner).map_err(|r| err(line, r))?;
            if let Some(first) = pents.iter().find(|p| p.name == pent.name) {
                return Err(err(
                    line,
                    format!(
                        "process {} is already watched by line {}",
                        pent.name, first.line
                    ),
                ));
            }
            if pents.len() == PENT_MAX {
                return Err(err(line, format!("more than {PENT_MAX} PENT lines")));
            }
            pents.push(pent);
            continue;
        }
        let mut words = content.split([' ', '\t']).filter(|w| !w.is_empty());
        let key = words.next().unwrap_or_default();
        let Some(value) = words.next() else {
            return Err(err(line, format!("{key}: value missing")));
        };
        if let Some(extra) = words.next() {
            return Err(err(
                line,
                format!("{key}: unexpected word {extra:?} after the value"),
            ));
        }
        let slot_taken = |taken: bool| {
            if taken {
                Err(err(line, format!("{key} given twice")))
            } else {
                Ok(())
            }
        };
        match key {
            "IPCKEY" => {
                slot_taken(ipckey.is_some())?;
                ipckey = Some(parse_ipckey(value).map_err(|r| err(line, r))?);
            }
            "MSG_CHECK_INTERVAL" => {
                slot_taken(msg_check_interval.is_some())?;
                msg_check_interval = Some(parse_interval(key, value).map_err(|r| err(line, r))?);
            }
            "MONITOR_INTERVAL" => {
                slot_taken(monitor_interval.is_some())?;
                monitor_interval = Some(parse_interval(key, value).map_err(|r| err(line, r))?);
            }
            "MONITOR_TRY_COUNT" => {
                slot_taken(monitor_try_count.is_some())?;
                monitor_try_count =
                    Some(parse_number(key, value, 1, 1000).map_err(|r| err(line, r))?);
            }
            "SHM_DUMP_FILE" => {
                slot_taken(shm_dump_file.is_some())?;
                let p = PathBuf::from(value);
                if !p.is_absolute() {
                    return Err(err(
                        line,
                        format!("SHM_DUMP_FILE {value}: not an absolute path"),
                    ));
                }
                match p.parent().map(Path::is_dir) {
                    Some(true) => {}
                    _ => {
                        return Err(err(
                            line,
                            format!("SHM_DUMP_FILE {value}: directory does not exist"),
                        ));
                    }
                }
                shm_dump_file = Some(p);
            }
            "ALLOWED_USERS" => {
                slot_taken(allowed_uids.is_some())?;
                let mut uids = Vec::new();
                for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let uid = super::owners::lookup(name).ok_or_else(|| {
                        err(
                            line,
                            format!("ALLOWED_USERS: no user {name:?} in /etc/passwd"),
                        )
                    })?;
                    uids.push(uid);
                }
                allowed_uids = Some(uids);
            }
            "RESTART_TIMEOUT" => {
                slot_taken(restart_timeout.is_some())?;
                restart_timeout = Some(parse_interval(key, value).map_err(|r| err(line, r))?);
            }
            _ => return Err(err(line, format!("unknown parameter {key}"))),
        }
    }

    let Some(ipckey) = ipckey else {
        return Err(err(0, "IPCKEY missing".into()));
    };
    if pents.is_empty() {
        return Err(err(0, "no PENT line: nothing to watch".into()));
    }
    let shm_dump_file = shm_dump_file.unwrap_or_else(|| {
        let dir = std::env::var_os(DUMP_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_DUMP_DIR), PathBuf::from);
        dir.join(format!("pcheck_dump_0x{:08x}", ipckey as u32))
    });
    Ok(Pfile {
        path: abs,
        params: Params {
            ipckey,
            msg_check_interval: msg_check_interval.unwrap_or(DEFAULT_MSG_CHECK_INTERVAL),
            monitor_interval: monitor_interval.unwrap_or(DEFAULT_MONITOR_INTERVAL),
            monitor_try_count: monitor_try_count.unwrap_or(DEFAULT_MONITOR_TRY_COUNT),
            shm_dump_file,
            allowed_uids: allowed_uids.unwrap_or_default(),
            restart_timeout: restart_timeout.unwrap_or(DEFAULT_RESTART_TIMEOUT),
        },
        pents,
    })
}

/// `name:restart:GRACE:retries:action`. The restart command may itself hold
/// `:`, so the name is cut at the first `:` and the last three fields at the
/// last three.
fn parse_pent(content: &str, line: usize, strict_owner: bool) -> Result<Pent, String> {
    let (name, rest) = content.split_once(':').unwrap_or((content, ""));
    let mut tail = rest.rsplitn(4, ':');
    let action = tail.next();
    let retries = tail.next();
    let grace = tail.next();
    let restart = tail.next();
    let (Some(restart), Some(grace), Some(retries), Some(action)) =
        (restart, grace, retries, action)
    else {
        return Err("PENT needs 5 fields name:restart:GRACE:retries:action".into());
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("process name is empty".into());
    }
    if name.len() > NAME_MAX
        || name.contains(char::is_whitespace)
        || name.contains('/')
        || name.contains(char::is_control)
    {
        return Err(format!(
            "process name {name:?}: at most {NAME_MAX} bytes, no blanks, control characters or '/'"
        ));
    }
    let restart = restart.trim();
    let restart = match restart {
        "" => return Err("restart command is empty (use - for none)".into()),
        "-" => None,
        cmd => Some(check_restart(cmd, strict_owner)?),
    };
    let grace = Duration::from_secs(parse_number("GRACE", grace.trim(), 0, 31_536_000)?.into());
    let retries = parse_number("retries", retries.trim(), 0, 100_000)?;
    let action = match action.trim().to_ascii_lowercase().as_str() {
        "continue" => Action::Continue,
        "exit" => Action::Exit,
        "shutdown" => Action::Shutdown,
        other => {
            return Err(format!(
                "action {other:?}: expected continue, exit or shutdown"
            ));
        }
    };
    Ok(Pent {
        line,
        name: name.to_string(),
        restart,
        grace,
        retries,
        action,
    })
}

/// Splits the restart command on blanks and checks its program: it must
/// exist and be executable, and as root be trusted (`crate::trust`: the
/// file and every directory above it root's and not writable by others),
/// since an attacker who can edit or swap it runs code as root at the next
/// death. A bare name is looked up in PATH here, once; the words returned
/// name the program by its checked, canonical path.
fn check_restart(cmd: &str, strict_owner: bool) -> Result<Vec<String>, String> {
    let mut words: Vec<String> = cmd
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    let program = &words[0];
    if program.contains('/') {
        std::fs::metadata(program)
            .map_err(|e| format!("restart program {program}: {}", os_reason(&e)))?;
    }
    let resolved = crate::trust::resolve(program).ok_or_else(|| {
        if program.contains('/') {
            format!("restart program {program}: not an executable file")
        } else {
            format!("restart program {program}: not found in PATH")
        }
    })?;
    let resolved = if strict_owner {
        crate::trust::program(&resolved).map_err(|e| {
            if e.path == resolved {
                format!("restart program {}: {}", resolved.display(), e.why)
            } else {
                format!("restart program {}: {e}", resolved.display())
            }
        })?
    } else {
        resolved
    };
    words[0] = resolved.to_string_lossy().into_owned();
    Ok(words)
}

/// sshd's StrictModes rule for files that root acts on.
pub fn check_owner(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.uid() != 0 {
        return Err(format!("owned by uid {}, not root", meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "writable by group or others (mode {:04o})",
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

fn parse_ipckey(value: &str) -> Result<i32, String> {
    let parsed = if let Some(hex) = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        u32::from_str_radix(hex, 16).ok()
    } else {
        value.parse::<u32>().ok()
    };
    match parsed {
        Some(0) => Err("IPCKEY 0 is IPC_PRIVATE: choose a unique key".into()),
        Some(k) => Ok(k as i32),
        None => Err(format!(
            "IPCKEY {value:?}: expected a number such as 0x1f000501"
        )),
    }
}

fn parse_number(what: &str, value: &str, min: u32, max: u32) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{what} {value:?}: expected a whole number from {min} to {max}"
        )),
    }
}

/// Seconds, whole or with up to three decimals (`0.2` keeps tests short).
fn parse_interval(what: &str, value: &str) -> Result<Duration, String> {
    let bad = || format!("{what} {value:?}: expected seconds from 0.001 to 86400");
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.is_empty() && frac.is_empty()
    {
        return Err(bad());
    }
    let secs: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut millis: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        millis += u64::from(b - b'0') * [100, 10, 1][i];
    }
    let total = secs
        .checked_mul(1000)
        .and_then(|s| s.checked_add(millis))
        .ok_or_else(bad)?;
    if !(1..=86_400_000).contains(&total) {
        return Err(bad());
    }
    Ok(Duration::from_millis(total))
}

/// Shows an interval as the pfile would write it: `10`, or `0.2`.
pub struct Seconds(pub Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}", ms / 1000)
        } else {
            let s = format!("{}.{:03}", ms / 1000, ms % 1000);
            f.write_str(s.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn p(text: &str) -> Result<Pfile, Error> {
        parse(text, "pf", PathBuf::from("/pf"), false)
    }

    const GOOD: &str = "##### PARAM #####\nIPCKEY                0x1f000501\nMSG_CHECK_INTERVAL\t5\nMONITOR_INTERVAL     10\nSHM_DUMP_FILE        /tmp/pcheck_dump_cron\n##### PENT #####\ncrond:/bin/true arg:86400:3:continue\n";

    #[test]
    fn seed_sample_parses() {
        let pf = p(GOOD).unwrap();
        assert_eq!(pf.params.ipckey, 0x1f000501);
        assert_eq!(pf.params.msg_check_interval, Duration::from_secs(5));
        assert_eq!(pf.params.monitor_interval, Duration::from_secs(10));
        assert_eq!(pf.params.monitor_try_count, 2);
        let pent = &pf.pents[0];
        assert_eq!(pent.name, "crond");
        assert_eq!(
            pent.restart.as_deref(),
            Some(&["/bin/true".to_string(), "arg".into()][..])
        );
        assert_eq!(pent.grace, Duration::from_secs(86400));
        assert_eq!(
            (pent.retries, pent.action, pent.line),
            (3, Action::Continue, 7)
        );
    }

    fn reason(text: &str) -> String {
        p(text).unwrap_err().to_string()
    }

    #[test]
    fn every_field_is_checked() {
        let base = "IPCKEY 0x10\n";
        assert_eq!(
            reason("MONITOR_INTERVAL 5\nx:-:1:1:exit\n"),
            "pf: IPCKEY missing"
        );
        assert_eq!(reason(base), "pf: no PENT line: nothing to watch");
        assert_eq!(
            reason("IPCKEY 0\nx:-:1:1:exit\n"),
            "pf:1: IPCKEY 0 is IPC_PRIVATE: choose a unique key"
        );
        assert!(reason("IPCKEY zz\n").starts_with("pf:1: IPCKEY \"zz\""));
        assert_eq!(reason("IPCKEY 1\nIPCKEY 2\n"), "pf:2: IPCKEY given twice");
        assert_eq!(reason("FOO 1\n"), "pf:1: unknown parameter FOO");
        assert_eq!(reason("IPCKEY\n"), "pf:1: IPCKEY: value missing");
        assert_eq!(
            reason("IPCKEY 1 2\n"),
            "pf:1: IPCKEY: unexpected word \"2\" after the value"
        );
        assert!(
            reason("IPCKEY 1\nMONITOR_INTERVAL 0\n").starts_with("pf:2: MONITOR_INTERVAL \"0\"")
        );
        assert!(
            reason("IPCKEY 1\nMSG_CHECK_INTERVAL -1\n").starts_with("pf:2: MSG_CHECK_INTERVAL")
        );
        assert!(reason("IPCKEY 1\nMONITOR_TRY_COUNT 0\n").starts_with("pf:2: MONITOR_TRY_COUNT"));
        assert!(reason("IPCKEY 1\nSHM_DUMP_FILE rel\n").contains("not an absolute path"));
        assert!(
            reason("IPCKEY 1\nSHM_DUMP_FILE /no/such/dir/f\n").contains("directory does not exist")
        );
        assert!(reason(&format!("{base}x:-:1:1\n")).starts_with("pf:2: PENT needs 5 fields"));
        assert_eq!(
            reason(&format!("{base}:-:1:1:exit\n")),
            "pf:2: process name is empty"
        );
        assert!(reason(&format!("{base}a b:-:1:1:exit\n")).contains("no blanks"));
        assert!(reason(&format!("{base}x::1:1:exit\n")).contains("restart command is empty"));
        assert!(
            reason(&format!("{base}x:/no/such:1:1:exit\n"))
                .contains("restart program /no/such: No such file")
        );
        assert!(
            reason(&format!("{base}x:/proc/version:1:1:exit\n")).contains("not an executable file")
        );
        assert!(
            reason(&format!("{base}x:no-such-prog-zz:1:1:exit\n")).contains("not found in PATH")
        );
        assert!(reason(&format!("{base}x:-:soon:1:exit\n")).starts_with("pf:2: GRACE \"soon\""));
        assert!(reason(&format!("{base}x:-:1:-3:exit\n")).starts_with("pf:2: retries \"-3\""));
        assert!(
            reason(&format!("{base}x:-:1:1:explode\n")).starts_with("pf:2: action \"explode\"")
        );
        assert_eq!(
            reason(&format!("{base}x:-:1:1:exit\nx:-:1:1:exit\n")),
            "pf:3: process x is already watched by line 2"
        );
    }

    #[test]
    fn restart_may_hold_colons_and_intervals_decimals() {
        let pf = p("IPCKEY 7\nMONITOR_INTERVAL 0.25\nx:/bin/echo a:b:5:2:EXIT\n").unwrap();
        assert_eq!(pf.pents[0].restart.as_ref().unwrap()[1], "a:b");
        assert_eq!(pf.pents[0].action, Action::Exit);
        assert_eq!(pf.params.monitor_interval, Duration::from_millis(250));
        assert_eq!(Seconds(pf.params.monitor_interval).to_string(), "0.25");
        assert_eq!(Seconds(Duration::from_secs(10)).to_string(), "10");
    }
}
