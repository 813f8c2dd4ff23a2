//! Whose processes a PENT may adopt. A process named like a PENT but owned
//! by an ordinary user must not be watched beside root's daemon: its deaths
//! would run root's restart script and could drive a failover while the
//! real daemon runs fine.
//!
//! Adopted: root, system accounts (uid below UID_MIN of /etc/login.defs,
//! 1000 when absent; never 65534, nobody), and the users a pfile names in
//! `ALLOWED_USERS` (names from /etc/passwd, or numbers) for daemons that
//! run as a regular uid.

/// The uid everybody's "nobody" has: never a daemon's owner to trust.
const NOBODY: u32 = 65534;
const DEFAULT_UID_MIN: u32 = 1000;

/// The owners a pcheck adopts processes of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owners {
    uid_min: u32,
    extra: Vec<u32>,
}

impl Owners {
    /// Root, system accounts, and `extra`.
    pub fn new(extra: &[u32]) -> Owners {
        Owners {
            uid_min: uid_min(),
            extra: extra.to_vec(),
        }
    }

    /// Whether a process of `uid` may be adopted.
    pub fn allows(&self, uid: u32) -> bool {
        uid == 0 || (uid < self.uid_min && uid != NOBODY) || self.extra.contains(&uid)
    }
}

/// UID_MIN from /etc/login.defs, else 1000.
fn uid_min() -> u32 {
    let text = std::fs::read_to_string("/etc/login.defs").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("UID_MIN")).then(|| w.next()?.parse().ok())?
        })
        .next()
        .unwrap_or(DEFAULT_UID_MIN)
}

/// The uid of user `name` (from /etc/passwd: a static binary has no NSS),
/// or `name` itself as a number.
pub fn lookup(name: &str) -> Option<u32> {
    if let Ok(uid) = name.parse() {
        return Some(uid);
    }
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then(|| f.nth(1)?.parse().ok())?
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn root_system_accounts_and_named_users() {
        let o = Owners {
            uid_min: 1000,
            extra: vec![1500],
        };
        assert!(o.allows(0) && o.allows(33) && o.allows(999) && o.allows(1500));
        assert!(!o.allows(1000) && !o.allows(65534) && !o.allows(1501));
        assert_eq!(lookup("root"), Some(0));
        assert_eq!(lookup("4242"), Some(4242));
        assert_eq!(lookup("no-such-user-here"), None);
    }
}
