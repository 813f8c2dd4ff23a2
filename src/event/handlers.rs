//! Which response commands an event runs (SPEC §5, seed 004): every
//! regular executable file in `CLASS/EVENT/`, then every one in
//! `allclass/`, each set in name order. Never `ACTIVE` (the marker of a
//! running monitor), dot-files, editor backups (`*~`) or directories.
//! As root, a handler that is not root's, or that group or others can
//! write, or that lies below such a directory, is refused: whoever can
//! change it would run code as root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
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

/// Root's check of a handler: the file (after symlinks) and every
/// directory above it and above its registry directory is root's and not
/// writable by group or others (a root-owned sticky directory such as
/// /tmp is allowed: others cannot rename what is ours in it).
fn safe(dir: &Path, handler: &Path) -> Result<(), (PathBuf, String)> {
    let real = std::fs::canonicalize(handler)
        .map_err(|e| (handler.to_path_buf(), format!("cannot resolve: {e}")))?;
    check(&real, false)?;
    let real_dir = std::fs::canonicalize(dir).map_err(|e| (dir.to_path_buf(), e.to_string()))?;
    for d in real.ancestors().skip(1).chain(real_dir.ancestors()) {
        check(d, true)?;
    }
    Ok(())
}

fn check(path: &Path, is_dir: bool) -> Result<(), (PathBuf, String)> {
    let meta = std::fs::metadata(path).map_err(|e| (path.to_path_buf(), e.to_string()))?;
    let mode = meta.permissions().mode() & 0o7777;
    if meta.uid() != 0 {
        return Err((
            path.to_path_buf(),
            format!("owned by uid {}, not root", meta.uid()),
        ));
    }
    let sticky = is_dir && mode & 0o1000 != 0;
    if mode & 0o022 != 0 && !sticky {
        return Err((
            path.to_path_buf(),
            format!("writable by group or others (mode {mode:04o})"),
        ));
    }
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
