//! Writing SHM_DUMP_FILE so that nobody else can steer it: in a directory
//! others can write, a planted symlink must not make root overwrite a file
//! of its choosing, and a planted FIFO must not hang pcheck's shutdown.
//!
//! The text goes to `PATH.new`, created afresh (O_CREAT|O_EXCL|O_NOFOLLOW|
//! O_NONBLOCK, mode 0600), then renamed over PATH (rename replaces a
//! symlink itself, never what it points at). Refused: a PATH that is a
//! directory or not a regular file; a directory that group or others can
//! write unless it is sticky and PATH (if it exists) is ours.

use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Writes `text` to `path` as described above.
pub fn write(path: &Path, text: &[u8]) -> io::Result<()> {
    let refuse = |why: &str| io::Error::other(format!("{}: {why}", path.display()));
    let me = crate::sys::geteuid();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let d = std::fs::metadata(dir)?;
    let others_write = d.mode() & 0o022 != 0;
    let sticky = d.mode() & 0o1000 != 0;
    if others_write && !sticky {
        return Err(refuse(
            "its directory is writable by group or others (and not sticky): not writing there",
        ));
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => return Err(refuse("is a directory")),
        Ok(m) if !m.file_type().is_file() => return Err(refuse("is not a regular file")),
        Ok(m) if others_write && m.uid() != me => {
            return Err(refuse("belongs to another user in a shared directory"));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".new");
    let tmp = Path::new(&tmp);
    // A `.new` left by a pcheck that died: ours to replace. Anything else
    // there (a symlink, a FIFO, another user's file) is not.
    if let Ok(m) = std::fs::symlink_metadata(tmp) {
        if !m.file_type().is_file() || m.uid() != me {
            return Err(refuse(&format!(
                "{} exists and is not our file: not writing the dump",
                tmp.display()
            )));
        }
        std::fs::remove_file(tmp)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(tmp)?;
    file.write_all(text)?;
    file.sync_all()?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn symlinks_fifos_and_directories_are_not_written_through() {
        let dir = std::env::temp_dir().join(format!("mamori-dump-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let dump = dir.join("dump");
        // A planted .new symlink is refused, the victim untouched.
        std::os::unix::fs::symlink(&victim, dir.join("dump.new")).unwrap();
        assert!(write(&dump, b"state").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        std::fs::remove_file(dir.join("dump.new")).unwrap();
        // A symlink at PATH itself is refused too.
        std::os::unix::fs::symlink(&victim, &dump).unwrap();
        assert!(write(&dump, b"state").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        std::fs::remove_file(&dump).unwrap();
        // A FIFO as .new: refused at once, no hang.
        let st = std::process::Command::new("mkfifo")
            .arg(dir.join("dump.new"))
            .status()
            .unwrap();
        assert!(st.success());
        assert!(write(&dump, b"state").is_err());
        std::fs::remove_file(dir.join("dump.new")).unwrap();
        // A directory as PATH.
        std::fs::create_dir(dir.join("d")).unwrap();
        assert!(write(&dir.join("d"), b"state").is_err());
        // The normal case, twice (a stale .new of ours is replaced).
        write(&dump, b"one").unwrap();
        std::fs::write(dir.join("dump.new"), b"stale").unwrap();
        write(&dump, b"two").unwrap();
        assert_eq!(std::fs::read(&dump).unwrap(), b"two");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
