//! The state file of a resource instance under
//! `${HA_RSCTMP:-/run/resource-agents}`: it exists from a successful
//! start to a stop, and holds `running`, or `failed: WHY` once a monitor
//! has found (or a mamori monitor has declared) the service failed, so
//! that later monitors say why.

use std::path::PathBuf;

use super::Agent;

/// Environment variable that gives an applet its instance's state file,
/// so that it can write why it declared a failure.
pub const STATE_ENV: &str = "MAMORI_OCF_STATE";

/// One instance's state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    pub path: PathBuf,
}

/// What the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// No file: never started here, or stopped.
    Absent,
    Running,
    Failed(String),
}

impl StateFile {
    pub fn for_instance(agent: &Agent, instance: &str) -> StateFile {
        let dir = std::env::var_os("HA_RSCTMP")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/run/resource-agents"));
        let name: String = instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        StateFile {
            path: dir.join(format!("mamori-{}-{name}.state", agent.name)),
        }
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// The applet's stderr while it starts (kept beside the state file).
    pub fn log_path(&self) -> PathBuf {
        self.path.with_extension("log")
    }

    pub fn read(&self) -> Recorded {
        match std::fs::read_to_string(&self.path) {
            Err(_) => Recorded::Absent,
            Ok(t) => match t.trim_end().strip_prefix("failed: ") {
                Some(why) => Recorded::Failed(why.to_string()),
                None => Recorded::Running,
            },
        }
    }

    pub fn set_running(&self) -> Result<(), String> {
        self.write("running\n")
    }

    /// Remembers why the service failed (kept until stop).
    pub fn set_failed(&self, why: &str) {
        let _ = self.write(&format!("failed: {why}\n"));
    }

    /// Creates the directory of the state file.
    pub fn ensure_dir(&self) {
        if let Some(dir) = self.path.parent() {
            use std::os::unix::fs::DirBuilderExt;
            let _ = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir);
        }
    }

    fn write(&self, text: &str) -> Result<(), String> {
        self.ensure_dir();
        // Written beside and renamed: a reader never sees half a line.
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.log_path());
    }
}
