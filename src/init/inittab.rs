//! The inittab, in busybox init's syntax: one entry a line,
//! `id:runlevels:action:process`. `id` names the tty the process runs on
//! (`tty2` or `/dev/tty2`; empty: the console), `runlevels` is ignored as
//! busybox ignores it, `action` is one of [`Action`], and `process` is the
//! rest of the line (it may hold colons). `#` starts a comment line.
//!
//! A bad line is reported (file and line) and skipped; the rest of the
//! file still counts: PID 1 must not die of a typo.

use core::fmt;

/// When an entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// At boot, each waited for, before everything else.
    Sysinit,
    /// After every `sysinit`, each waited for.
    Wait,
    /// Started once after `wait`, not waited for.
    Once,
    /// Started after `wait` and again whenever it ends.
    Respawn,
    /// busybox asks "Please press Enter" first; mamori treats it as
    /// `respawn` without a prompt.
    Askfirst,
    /// Run in order, each waited for (under a time limit), at halt,
    /// power off and reboot.
    Shutdown,
    /// Executed in place of init on SIGQUIT.
    Restart,
    /// Run, and waited for, on SIGINT (Ctrl-Alt-Del).
    Ctrlaltdel,
}

impl Action {
    fn parse(word: &str) -> Option<Action> {
        Some(match word {
            "sysinit" => Action::Sysinit,
            "wait" => Action::Wait,
            "once" => Action::Once,
            "respawn" => Action::Respawn,
            "askfirst" => Action::Askfirst,
            "shutdown" => Action::Shutdown,
            "restart" => Action::Restart,
            "ctrlaltdel" => Action::Ctrlaltdel,
            _ => return None,
        })
    }

    /// The inittab word.
    pub fn name(self) -> &'static str {
        match self {
            Action::Sysinit => "sysinit",
            Action::Wait => "wait",
            Action::Once => "once",
            Action::Respawn => "respawn",
            Action::Askfirst => "askfirst",
            Action::Shutdown => "shutdown",
            Action::Restart => "restart",
            Action::Ctrlaltdel => "ctrlaltdel",
        }
    }

    /// Started again whenever it ends.
    pub fn respawns(self) -> bool {
        matches!(self, Action::Respawn | Action::Askfirst)
    }
}

/// One inittab line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The tty (`/dev/…`), or empty for the console.
    pub tty: String,
    pub action: Action,
    pub process: String,
    /// The line number in its file (1-based; 0 for the built-in default).
    pub number: usize,
}

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Fewer than four `:`-separated fields.
    Fields,
    UnknownAction(String),
    NoProcess,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Fields => f.write_str("needs id:runlevels:action:process"),
            LineError::UnknownAction(a) => write!(f, "unknown action {a:?}"),
            LineError::NoProcess => f.write_str("no process to run"),
        }
    }
}

/// Used when there is no inittab, as busybox does without one (minus the
/// extra ttys, which a rescue image rarely has).
pub const BUILT_IN: &str = "\
::sysinit:/etc/init.d/rcS
::askfirst:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
::restart:/sbin/init
";

/// Parses a whole file: the good lines, and `(line number, error)` for
/// each bad one.
pub fn parse(text: &str) -> (Vec<Line>, Vec<(usize, LineError)>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        match parse_line(raw) {
            Ok(Some(mut line)) => {
                line.number = i + 1;
                lines.push(line);
            }
            Ok(None) => {}
            Err(e) => errors.push((i + 1, e)),
        }
    }
    (lines, errors)
}

/// One line: `Ok(None)` for a comment or a blank line.
fn parse_line(raw: &str) -> Result<Option<Line>, LineError> {
    let text = raw.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let mut fields = text.splitn(4, ':');
    let (Some(id), Some(_runlevels), Some(action), Some(process)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(LineError::Fields);
    };
    let action = action.trim();
    let action =
        Action::parse(action).ok_or_else(|| LineError::UnknownAction(action.to_string()))?;
    let process = process.trim();
    if process.is_empty() || process == "-" {
        return Err(LineError::NoProcess);
    }
    let id = id.trim();
    let tty = if id.is_empty() {
        String::new()
    } else if id.starts_with("/dev/") {
        id.to_string()
    } else {
        format!("/dev/{id}")
    };
    Ok(Some(Line {
        tty,
        action,
        process: process.to_string(),
        number: 0,
    }))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn busybox_lines_comments_and_errors() {
        let text = "# comment\n\n::sysinit:/etc/init.d/rcS\ntty2::respawn:/sbin/getty 38400 tty2\n\
                    /dev/ttyS0::askfirst:-/bin/sh\n::bogus:/x\n::once:\nnot a line\n\
                    ::shutdown:/bin/sh -c 'echo a:b'\n";
        let (lines, errors) = parse(text);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].action, Action::Sysinit);
        assert_eq!(lines[0].tty, "");
        assert_eq!(lines[0].number, 3);
        assert_eq!(lines[1].tty, "/dev/tty2");
        assert_eq!(lines[1].process, "/sbin/getty 38400 tty2");
        assert_eq!(lines[2].tty, "/dev/ttyS0");
        assert!(lines[2].action.respawns());
        assert_eq!(lines[3].process, "/bin/sh -c 'echo a:b'");
        assert_eq!(
            errors,
            vec![
                (6, LineError::UnknownAction("bogus".into())),
                (7, LineError::NoProcess),
                (8, LineError::Fields),
            ]
        );
    }

    #[test]
    fn built_in_default_parses() {
        let (lines, errors) = parse(BUILT_IN);
        assert!(errors.is_empty());
        assert_eq!(lines.len(), 5);
    }
}
