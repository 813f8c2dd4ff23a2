//! The seed's rules for the values of an event (seed 004, SPEC §5):
//! MONITOR is `PRODUCT:COMPONENT` with PRODUCT 1–8 and COMPONENT 1–16
//! printable ASCII characters, INSTANCE 1–64, SEVERITY 0–5. Each check
//! returns the reason a value is wrong; the caller names the option.

/// Longest PRODUCT of a monitor name.
pub const PRODUCT_MAX: usize = 8;
/// Longest COMPONENT of a monitor name.
pub const COMPONENT_MAX: usize = 16;
/// Longest object instance name.
pub const INSTANCE_MAX: usize = 64;
/// Severity when `-s` is not given: MAJOR.
pub const DEFAULT_SEVERITY: u8 = 4;
/// Severity CLEARED: needs the id of the alarm it clears.
pub const CLEARED: u8 = 0;

/// The seed's names of the severities 0–5.
pub const SEVERITY_NAMES: [&str; 6] = [
    "CLEARED",
    "INFORMATIONAL",
    "WARNING",
    "MINOR",
    "MAJOR",
    "CRITICAL",
];

fn printable(v: &str) -> bool {
    v.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A printable ASCII text of 1..=max characters; `what` names it.
fn text(v: &str, what: &str, max: usize) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if !printable(v) {
        return Err(format!(
            "{what} holds a character that is not printable ASCII"
        ));
    }
    if v.len() > max {
        return Err(format!("{what} has {} characters, at most {max}", v.len()));
    }
    Ok(())
}

/// `PRODUCT:COMPONENT`.
pub fn monitor(v: &str) -> Result<(), String> {
    let Some((product, component)) = v.split_once(':') else {
        return Err("not PRODUCT:COMPONENT (no ':')".into());
    };
    text(product, "PRODUCT", PRODUCT_MAX)?;
    text(component, "COMPONENT", COMPONENT_MAX)
}

/// The object instance name.
pub fn instance(v: &str) -> Result<(), String> {
    text(v, "the instance name", INSTANCE_MAX)
}

/// A severity digit 0–5.
pub fn severity(v: &str) -> Result<u8, String> {
    match v.parse::<u8>() {
        Ok(s) if usize::from(s) < SEVERITY_NAMES.len() && v.len() == 1 => Ok(s),
        _ => Err("not a severity 0-5 (0 CLEARED ... 5 CRITICAL)".into()),
    }
}

/// A class or event name: one directory name of the registry.
pub fn dir_name(v: &str) -> Result<(), String> {
    if v.is_empty() || v == "." || v == ".." || v.contains('/') {
        return Err("not a directory name (empty, '.', '..' or holds '/')".into());
    }
    text(v, "the name", 255)
}

/// An alarm/event id given with `-i`.
pub fn id(v: &str) -> Result<(), String> {
    text(v, "the id", 64)
}

/// `-t YYMMDDHHMMSS`.
pub fn date(v: &str) -> Result<(), String> {
    let d = v.as_bytes();
    let two = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
    if d.len() != 12 || !d.iter().all(u8::is_ascii_digit) {
        return Err("not YYMMDDHHMMSS (12 digits)".into());
    }
    if !(1..=12).contains(&two(2))
        || !(1..=31).contains(&two(4))
        || two(6) > 23
        || two(8) > 59
        || two(10) > 60
    {
        return Err("not a valid date and time YYMMDDHHMMSS".into());
    }
    Ok(())
}

/// `-T TIMESTAMP`: seconds since the epoch.
pub fn timestamp(v: &str) -> Result<(), String> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a time stamp (seconds since 1970, digits only)".into());
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn edges() {
        assert!(monitor("abcdefgh:0123456789abcdef").is_ok());
        assert!(monitor("abcdefghi:x").is_err());
        assert!(monitor("a:0123456789abcdefg").is_err());
        assert!(monitor(":x").is_err());
        assert!(monitor("x:").is_err());
        assert!(instance(&"n".repeat(64)).is_ok());
        assert!(instance(&"n".repeat(65)).is_err());
        assert_eq!(severity("5"), Ok(5));
        assert!(severity("6").is_err());
        assert!(severity("05").is_err());
        assert!(date("261202112600").is_ok());
        assert!(date("261302112600").is_err());
    }
}
