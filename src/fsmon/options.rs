//! The command line shared by clp_sambamon and clp_nfsmon (seed 000 §7):
//! the ID first, then either one control word (`-stop [WAIT]`, `-pause`,
//! `-continue`, `-disp`, `-del`) or the monitor's options. The applet
//! handles its own options (`-s -u -p` / `-d -n -V`) through a callback,
//! so the common ones and their ranges exist once.

use std::fmt;
use std::time::Duration;

use crate::args::{Cursor, is_opt};

use super::messages::Msg;
use super::registry::ID_MAX;

/// The seed's range for -i, -c, -r and WAIT.
pub const RANGE: core::ops::RangeInclusive<u32> = 1..=10000;
/// Defaults (seed 000 §7).
pub const DEFAULT_INTERVAL: u32 = 30;
pub const DEFAULT_RETRIES: u32 = 5;
pub const DEFAULT_TIMEOUT: u32 = 60;
pub const DEFAULT_STOP_WAIT: u32 = 60;
/// Longest -s / -a / -u / -p / -d value (seed 000 §7: 255 bytes).
pub const VALUE_MAX: usize = 255;

/// A bad command line: the message (11, 12 or 13) and what exactly is
/// wrong, for the one line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub id: u32,
    pub detail: String,
}

impl ParamError {
    pub fn invalid(detail: impl Into<String>) -> ParamError {
        ParamError {
            id: 11,
            detail: detail.into(),
        }
    }

    pub fn missing_target(detail: impl Into<String>) -> ParamError {
        ParamError {
            id: 12,
            detail: detail.into(),
        }
    }

    /// The catalogue message.
    pub fn msg(&self) -> Msg<'static> {
        match self.id {
            12 => Msg::MissingTarget,
            13 => Msg::NoId,
            _ => Msg::InvalidParameter,
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start(Common),
    Stop(Duration),
    Pause,
    Continue,
    Disp,
    Del,
    Help,
}

/// The options every monitor has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub interval: Duration,
    pub retries: u32,
    pub timeout: Duration,
    /// `-a` as given; the applet parses it (its default port differs).
    pub address: Option<String>,
}

/// A number in 1–10000.
pub fn number(opt: &str, v: &str) -> Result<u32, ParamError> {
    match v.parse::<u32>() {
        Ok(n) if RANGE.contains(&n) && v.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ParamError::invalid(format!(
            "{opt} {v:?}: not a number from 1 to 10000"
        ))),
    }
}

/// A string option of at most 255 bytes, not empty.
pub fn text(opt: &str, v: String) -> Result<String, ParamError> {
    if v.is_empty() || v.len() > VALUE_MAX {
        return Err(ParamError::invalid(format!(
            "{opt}: the value must be 1 to {VALUE_MAX} bytes"
        )));
    }
    Ok(v)
}

/// The value of option `opt` (glued or the next word).
pub fn value(args: &mut Cursor, word: &str, opt: &str) -> Result<String, ParamError> {
    args.value(word, opt)
        .map_err(|e| ParamError::invalid(e.to_string()))
}

/// `-a IP[:PORT]`: IPv4 `a.b.c.d`, `a.b.c.d:port`, IPv6 `addr` or
/// `[addr]:port`; a missing port is `default_port`.
pub fn address(v: &str, default_port: u16) -> Result<std::net::SocketAddr, ParamError> {
    if let Ok(sa) = v.parse::<std::net::SocketAddr>() {
        if sa.port() == 0 {
            return Err(ParamError::invalid(format!("-a {v:?}: port 0")));
        }
        return Ok(sa);
    }
    let bare = v
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(v);
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(std::net::SocketAddr::new(ip, default_port)),
        Err(_) => Err(ParamError::invalid(format!(
            "-a {v:?}: not a numeric IP address (IP, IP:PORT, [IPv6]:PORT)"
        ))),
    }
}

/// A TCP port 1–65535.
pub fn port(opt: &str, v: &str) -> Result<u16, ParamError> {
    match v.parse::<u16>() {
        Ok(p) if p > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(ParamError::invalid(format!(
            "{opt} {v:?}: not a port from 1 to 65535"
        ))),
    }
}

const CONTROL: [&str; 5] = ["-stop", "-pause", "-continue", "-disp", "-del"];

/// Parses `ID …`. `own(word, args)` takes the applet's own options and
/// answers `Ok(false)` for a word it does not know.
pub fn parse(
    args: &mut Cursor,
    mut own: impl FnMut(&str, &mut Cursor) -> Result<bool, ParamError>,
) -> Result<(String, Action), ParamError> {
    let Some(id) = args.next() else {
        return Err(ParamError {
            id: 13,
            detail: "the ID must be the first argument".into(),
        });
    };
    if matches!(id.as_str(), "-h" | "--help") {
        return Ok((String::new(), Action::Help));
    }
    if id.starts_with('-') || id.is_empty() {
        return Err(ParamError {
            id: 13,
            detail: format!("the ID must be the first argument, not {id:?}"),
        });
    }
    if id.len() > ID_MAX || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ParamError::invalid(format!(
            "ID {id:?}: 1 to {ID_MAX} letters and digits"
        )));
    }
    let mut common = Common {
        interval: Duration::from_secs(DEFAULT_INTERVAL.into()),
        retries: DEFAULT_RETRIES,
        timeout: Duration::from_secs(DEFAULT_TIMEOUT.into()),
        address: None,
    };
    let mut first = true;
    while let Some(word) = args.next() {
        let w = word.as_str();
        if CONTROL.contains(&w) {
            if !first {
                return Err(ParamError::invalid(format!("{w} must follow the ID alone")));
            }
            let action = match w {
                "-stop" => {
                    let wait = match args.next() {
                        Some(v) => number("-stop WAIT", &v)?,
                        None => DEFAULT_STOP_WAIT,
                    };
                    Action::Stop(Duration::from_secs(wait.into()))
                }
                "-pause" => Action::Pause,
                "-continue" => Action::Continue,
                "-disp" => Action::Disp,
                _ => Action::Del,
            };
            if let Some(extra) = args.next() {
                return Err(ParamError::invalid(format!(
                    "unexpected argument {extra:?} after {w}"
                )));
            }
            return Ok((id, action));
        }
        first = false;
        if is_opt(w, "-i") {
            common.interval = Duration::from_secs(number("-i", &value(args, w, "-i")?)?.into());
        } else if is_opt(w, "-c") {
            common.retries = number("-c", &value(args, w, "-c")?)?;
        } else if is_opt(w, "-r") {
            common.timeout = Duration::from_secs(number("-r", &value(args, w, "-r")?)?.into());
        } else if is_opt(w, "-a") {
            common.address = Some(text("-a", value(args, w, "-a")?)?);
        } else if !own(w, args)? {
            return Err(ParamError::invalid(format!("unknown option {w:?}")));
        }
    }
    Ok((id, Action::Start(common)))
}

#[cfg(test)]
mod test {
    use super::*;
    use std::ffi::OsString;

    fn run(words: &[&str]) -> Result<(String, Action), ParamError> {
        let mut c = Cursor::new(words.iter().map(OsString::from)).unwrap();
        parse(&mut c, |w, args| {
            if is_opt(w, "-s") {
                value(args, w, "-s")?;
                Ok(true)
            } else {
                Ok(false)
            }
        })
    }

    #[test]
    fn ids_ranges_and_control_words() {
        assert_eq!(run(&[]).unwrap_err().id, 13);
        assert_eq!(run(&["-s", "x"]).unwrap_err().id, 13);
        assert_eq!(run(&["", "-s", "x"]).unwrap_err().id, 13);
        assert_eq!(run(&["a-b"]).unwrap_err().id, 11);
        assert_eq!(run(&[&"a".repeat(256)]).unwrap_err().id, 11);
        assert!(run(&[&"a".repeat(255), "-disp"]).is_ok());
        assert_eq!(run(&["w", "-i", "0"]).unwrap_err().id, 11);
        assert_eq!(run(&["w", "-c", "10001"]).unwrap_err().id, 11);
        assert_eq!(run(&["w", "-r", "+5"]).unwrap_err().id, 11);
        assert_eq!(run(&["w", "-x"]).unwrap_err().id, 11);
        assert_eq!(run(&["w", "-s", "x", "-stop"]).unwrap_err().id, 11);
        assert_eq!(run(&["w", "-stop", "5", "6"]).unwrap_err().id, 11);
        assert_eq!(
            run(&["w", "-stop"]).unwrap().1,
            Action::Stop(Duration::from_secs(60))
        );
        assert_eq!(
            run(&["w", "-stop", "3"]).unwrap().1,
            Action::Stop(Duration::from_secs(3))
        );
        let (id, a) = run(&["Ab9", "-s", "x", "-i5", "-c", "2", "-r", "3"]).unwrap();
        assert_eq!(id, "Ab9");
        let Action::Start(c) = a else { panic!() };
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(
            address("10.1.2.3", 445).unwrap().to_string(),
            "10.1.2.3:445"
        );
        assert_eq!(address("10.1.2.3:14451", 445).unwrap().port(), 14451);
        assert_eq!(address("::1", 111).unwrap().to_string(), "[::1]:111");
        assert_eq!(address("[::1]", 111).unwrap().to_string(), "[::1]:111");
        assert_eq!(address("[fe80::1]:2000", 111).unwrap().port(), 2000);
        assert!(address("host.example", 445).is_err());
        assert!(address("1.2.3.4:0", 445).is_err());
        assert!(address("1.2.3.4:99999", 445).is_err());
        assert_eq!((c.retries, c.timeout), (2, Duration::from_secs(3)));
    }
}
