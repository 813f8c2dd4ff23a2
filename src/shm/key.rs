//! Registry keys: from an environment variable, or a default of our own.
//!
//! Root uses the documented default key. Any other user gets a key derived
//! from its uid, so that a user's monitors never meet root's registry (and
//! cannot squat it by being first): the table refuses a key whose segment
//! or semaphore is not the caller's anyway.

/// The key in `var` (hex `0x…` or decimal, non-zero), else `default` for
/// root and a per-user key derived from it for anyone else.
pub fn from_env(var: &str, default: i32) -> Result<i32, String> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(v) => parse(&v.to_string_lossy())
            .ok_or_else(|| format!("{var}={:?}: not a non-zero key (hex 0x… or decimal)", v)),
        None => Ok(for_user(default, crate::sys::geteuid())),
    }
}

/// A key written as `0x…` hex or decimal; `None` for zero (IPC_PRIVATE)
/// or anything else.
pub fn parse(text: &str) -> Option<i32> {
    let t = text.trim();
    let k = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => t.parse::<u32>().ok()?,
    };
    (k != 0).then_some(k as i32)
}

/// `base` for root; for uid N, `base` with its low 24 bits replaced by
/// N + 1 (never 0, never root's key).
pub fn for_user(base: i32, uid: u32) -> i32 {
    if uid == 0 {
        return base;
    }
    let low = (uid & 0x00ff_ffff).wrapping_add(1) & 0x00ff_ffff;
    let k = (base as u32 & 0xff00_0000) | low;
    let k = if k == base as u32 { k ^ 0x0080_0000 } else { k };
    k as i32
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn keys_parse_and_users_get_their_own() {
        assert_eq!(parse("0x504d4601"), Some(0x504d_4601));
        assert_eq!(parse(" 42 "), Some(42));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("0x"), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(for_user(0x504d_4601, 0), 0x504d_4601);
        let k = for_user(0x504d_4601, 65534);
        assert_ne!(k, 0x504d_4601);
        assert_ne!(k, for_user(0x504d_4601, 1000));
        assert_ne!(k, 0);
    }
}
