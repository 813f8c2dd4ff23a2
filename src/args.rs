//! One small argument cursor for every applet. The originals use
//! single-dash words (`-stop`, `-pause`) and positional identifiers that no
//! common parser handles, so each applet matches words itself and asks the
//! cursor for values (lexopt's conventions: `--` ends options, `-fVALUE`
//! and `-f VALUE` both work for one-letter options).

use std::ffi::OsString;
use std::fmt;

/// A usage error: printed as `applet: message` with exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The words after the applet name.
pub struct Cursor {
    words: Vec<String>,
    next: usize,
}

impl Cursor {
    /// Takes the arguments; a word that is not UTF-8 is a usage error.
    pub fn new(args: impl IntoIterator<Item = OsString>) -> Result<Cursor, UsageError> {
        let words = args
            .into_iter()
            .map(|a| {
                a.into_string()
                    .map_err(|a| UsageError(format!("argument {a:?} is not valid UTF-8")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Cursor { words, next: 0 })
    }

    /// The next word, if any.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<String> {
        let w = self.words.get(self.next)?.clone();
        self.next += 1;
        Some(w)
    }

    /// The value of option `opt`: glued (`-fFILE`, when `word` is longer
    /// than `opt`) or the next word.
    pub fn value(&mut self, word: &str, opt: &str) -> Result<String, UsageError> {
        if word.len() > opt.len() && word.starts_with(opt) && !opt.starts_with("--") {
            return Ok(word[opt.len()..].to_string());
        }
        self.next()
            .ok_or_else(|| UsageError(format!("option {opt} needs a value")))
    }

    /// Every word not yet taken.
    pub fn rest(&mut self) -> Vec<String> {
        let rest = self.words[self.next..].to_vec();
        self.next = self.words.len();
        rest
    }

    /// How many words have been taken (the index of the next one).
    pub fn taken(&self) -> usize {
        self.next
    }

    /// How many words there are in all.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether every word has been taken.
    pub fn is_empty(&self) -> bool {
        self.next >= self.words.len()
    }
}

/// Whether `word` is the one-letter option `opt` alone or with a glued value.
pub fn is_opt(word: &str, opt: &str) -> bool {
    word == opt
        || (opt.len() == 2 && word.len() > 2 && word.starts_with(opt) && !word.starts_with("--"))
}

/// A number of seconds as the time options and MAMORI_* variables write
/// it: digits with an optional fraction (`10`, `0.5`, `.25`, `+3`), below
/// 10^9 s; digits past the nanosecond are cut. No exponent, no sign but
/// `+`. By hand: `str::parse::<f64>` brought core's float parser and its
/// tables (~20 kB of the static binary, issue 15) for these alone.
pub fn seconds(v: &str) -> Option<std::time::Duration> {
    let v = v.strip_prefix('+').unwrap_or(v);
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    let secs: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    if secs >= 1_000_000_000 {
        return None;
    }
    let nanos = frac
        .bytes()
        .chain(core::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
    Some(std::time::Duration::new(secs, nanos))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn seconds_as_written() {
        use std::time::Duration;
        assert_eq!(seconds("10"), Some(Duration::from_secs(10)));
        assert_eq!(seconds("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(seconds(".25"), Some(Duration::from_millis(250)));
        assert_eq!(seconds("3."), Some(Duration::from_secs(3)));
        assert_eq!(seconds("+0.005"), Some(Duration::from_millis(5)));
        assert_eq!(seconds("1.0000000019"), Some(Duration::new(1, 1)));
        assert_eq!(
            seconds("999999999.5"),
            Some(Duration::new(999_999_999, 500_000_000))
        );
        for bad in [
            "",
            ".",
            "-1",
            "1e3",
            "1.2.3",
            " 1",
            "inf",
            "nan",
            "1000000000",
            "0x10",
            "1,5",
        ] {
            assert_eq!(seconds(bad), None, "{bad:?}");
        }
    }

    fn cur(words: &[&str]) -> Cursor {
        Cursor::new(words.iter().map(OsString::from)).unwrap()
    }

    #[test]
    fn values_glued_or_separate() {
        let mut c = cur(&["-f", "a", "-fb", "-f"]);
        let w = c.next().unwrap();
        assert_eq!(c.value(&w, "-f").unwrap(), "a");
        let w = c.next().unwrap();
        assert!(is_opt(&w, "-f"));
        assert_eq!(c.value(&w, "-f").unwrap(), "b");
        let w = c.next().unwrap();
        assert_eq!(c.value(&w, "-f").unwrap_err().0, "option -f needs a value");
        assert!(c.is_empty());
    }
}
