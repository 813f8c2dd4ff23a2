//! Which response commands an event runs (SPEC §5, seed 004): every
//! regular executable file in `CLASS/EVENT/`, then every one in
//! `allclass/`, each set in name order. Never `ACTIVE` (the marker of a
//! running monitor), dot-files, editor backups (`*~`) or directories.
//! As root, a handler that is not root's, or that group or others can
//! write, or that lies below such a directory, is refused: whoever can
//! change it would run code as root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::registry::{ACTIVE, ALLCLASS};

/// One response command to run.
#[derive(Debug, Clone)]
pub struct Handler {
    /// How logs name it: `NAME` in the event's directory, `allclass/NAME`.
    pub label: String,
    pub path: PathBuf,
}

/// A handler that is not run, and why.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub label: String,
    pub path: PathBuf,
    pub reason: String,
}

/// Whether a directory entry's name may be a handler at all.
fn eligible(name: &str) -> bool {
    name != ACTIVE && !name.starts_with('.') && !name.ends_with('~')
}

/// The handlers of `CLASS/EVENT` and of `allclass`, and those refused.
pub fn select(
    root: &Path,
    class: &str,
    event: &str,
    as_root: bool,
) -> (Vec<Handler>, Vec<Refusal>) {
    let mut run = Vec::new();
    let mut refused = Vec::new();
    let sets = [
        (root.join(class).join(event), String::new()),
        (root.join(ALLCLASS), format!("{ALLCLASS}/")),
    ];
    for (dir, prefix) in sets {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| eligible(n))
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                continue;
            }
            let label = format!("{prefix}{name}");
            if as_root && let Err((bad, reason)) = safe(&dir, &path) {
                refused.push(Refusal {
                    label,
                    path: bad,
                    reason,
                });
                continue;
            }
            run.push(Handler { label, path });
        }
    }
    (run, refused)
}

/// Root's check of a handler: the handler and its registry directory
/// are trusted (`crate::trust`): root's, and no directory above them
/// writable by group or others but for root's sticky ones.
fn safe(dir: &Path, handler: &Path) -> Result<(), (PathBuf, String)> {
    crate::trust::program(handler).map_err(|e| (e.path, e.why))?;
    crate::trust::directory(dir).map_err(|e| (e.path, e.why))?;
    Ok(())
}

#[cfg(test)]
mod test {
    #[test]
    fn names() {
        assert!(super::eligible("notify"));
        assert!(!super::eligible("ACTIVE"));
        assert!(!super::eligible(".hidden"));
        assert!(!super::eligible("notify~"));
    }
}
