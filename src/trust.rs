//! What root may run: the programs root runs on an event (pcheck's restart
//! programs, pmfadm's `-a` actions, sendevent handlers) must be ones no
//! other user can change or swap. A program is trusted when the file
//! (after symlinks) and every directory above it are root's and not
//! writable by group or others; a root-owned sticky directory (/tmp) is
//! allowed, since others cannot rename or remove root's file in it.
//!
//! The checked, canonical path is what is run afterwards: with every
//! directory on it root's, nobody but root can put another file there
//! between the check and the exec. A bare program name is looked up in
//! PATH once, when the configuration is loaded, never again at run time.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Why a program is not trusted: the path at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub path: PathBuf,
    pub why: String,
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.why)
    }
}

/// The canonical path of `program` when it is trusted (see the module).
pub fn program(program: &Path) -> Result<PathBuf, Untrusted> {
    let real = std::fs::canonicalize(program).map_err(|e| Untrusted {
        path: program.to_path_buf(),
        why: crate::sys::errno::os_reason(&e).to_string(),
    })?;
    check(&real, false)?;
    for dir in real.ancestors().skip(1) {
        check(dir, true)?;
    }
    Ok(real)
}

/// Like [`program`] for a directory a program lives under (a registry).
pub fn directory(dir: &Path) -> Result<PathBuf, Untrusted> {
    let real = std::fs::canonicalize(dir).map_err(|e| Untrusted {
        path: dir.to_path_buf(),
        why: e.to_string(),
    })?;
    for d in real.ancestors() {
        check(d, true)?;
    }
    Ok(real)
}

fn check(path: &Path, is_dir: bool) -> Result<(), Untrusted> {
    let bad = |why: String| Untrusted {
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    let mode = meta.mode() & 0o7777;
    if meta.uid() != 0 {
        return Err(bad(format!("owned by uid {}, not root", meta.uid())));
    }
    let sticky = is_dir && mode & 0o1000 != 0;
    if mode & 0o022 != 0 && !sticky {
        return Err(bad(format!(
            "writable by group or others (mode {mode:04o})"
        )));
    }
    Ok(())
}

/// `word` as a path: itself when it holds a `/`, else the first
/// executable file of that name in `$PATH` (default
/// `/usr/sbin:/usr/bin:/sbin:/bin`).
pub fn resolve(word: &str) -> Option<PathBuf> {
    let executable =
        |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0);
    if word.contains('/') {
        let p = PathBuf::from(word);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".").join(word)
            } else {
                d.join(word)
            }
        })
        .find(|p| executable(p))
}

#[cfg(test)]
mod test {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_program_in_a_directory_others_can_write_is_not_trusted() {
        let base = std::env::temp_dir().join(format!("mamori-trust-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let open = base.join("open");
        std::fs::create_dir_all(&open).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let prog = open.join("restart.sh");
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = program(&prog).unwrap_err();
        assert_eq!(e.path, open);
        assert!(e.why.contains("mode 0777"), "{e}");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(program(&prog).unwrap(), prog);
        // Through a symlink: the target is what is checked and run.
        let link = base.join("link");
        std::os::unix::fs::symlink(&prog, &link).unwrap();
        assert_eq!(program(&link).unwrap(), prog);
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o757)).unwrap();
        assert!(program(&link).is_err());
        let _ = std::fs::remove_dir_all(&base);
        assert_eq!(resolve("sh").map(|p| p.is_absolute()), Some(true));
        assert_eq!(resolve("no-such-program-here"), None);
    }
}
