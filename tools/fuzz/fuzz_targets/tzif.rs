//! TZif files and POSIX TZ strings (RFC 8536): never a panic, whatever
//! the bytes and the instant; and a TZ string's span holds the instant,
//! with the same offset at both of its ends (sys::clock keeps an offset
//! for as long as its span says it holds).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::tzif::{Rule, offset_at};

fuzz_target!(|data: &[u8]| {
    let t = data
        .get(..8)
        .map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap()));
    let _ = offset_at(data, t);
    if let Ok(r) = Rule::parse(data.get(8..).unwrap_or(&[])) {
        let Ok(s) = r.span_at(t) else { return };
        // `until` i64::MAX: none after, i64::MAX itself included.
        assert!(
            s.from <= t && (t < s.until || s.until == i64::MAX),
            "{s:?} does not hold {t}"
        );
        for end in [s.from, s.until.saturating_sub(1)] {
            if end != i64::MIN && end != i64::MAX - 1 {
                assert_eq!(r.offset_at(end).ok(), Some(s.offset), "{s:?} at {end}");
            }
        }
    }
});
