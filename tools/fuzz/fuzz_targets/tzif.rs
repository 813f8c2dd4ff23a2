//! TZif files and POSIX TZ strings (RFC 8536): never a panic, whatever
//! the bytes and the instant.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::tzif::{Rule, offset_at};

fuzz_target!(|data: &[u8]| {
    let t = data
        .get(..8)
        .map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap()));
    let _ = offset_at(data, t);
    if let Ok(r) = Rule::parse(data.get(8..).unwrap_or(&[])) {
        let _ = r.offset_at(t);
    }
});
