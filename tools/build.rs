//! Link options of the release binary that Cargo.toml cannot express:
//! the unwind tables dropped (tools/link/no-unwind-tables.ld says why), and
//! identical functions folded into one (`--icf=all`: nothing in mamori or
//! std compares function addresses, which Rust does not promise unique;
//! glibc's address-compared tables are data, which ICF leaves alone) and
//! strings tail-merged (`-O2`), ~3.5 kB; and the steady loops' code placed
//! first and together (tools/link/hot-text.ld, made by tools/hot-text), so
//! that after the start-up trim few text pages stay resident; and each
//! segment's addresses congruent to its file offsets modulo 64 kB
//! (`-z max-page-size=65536`), so that the page cache's large folios of
//! the binary (a freshly written copy on ext4 sits in 64 kB ones) line up
//! with its mappings instead of straddling two windows: −44 to −60 kB
//! of steady RSS per command on a fresh copy, −20 to +4 kB after
//! `drop_caches` (tools/bench-footprint), at no size cost. Only for the
//! binary of a release
//! build: tests, examples and debug builds keep the tables, for unwinding
//! test panics and for backtraces.
fn main() {
    println!("cargo:rerun-if-changed=tools/link/no-unwind-tables.ld");
    println!("cargo:rerun-if-changed=tools/build.rs");
    println!("cargo:rerun-if-changed=tools/link/hot-text.ld");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
        println!("cargo:rustc-link-arg-bins=-Wl,-O2");
        println!("cargo:rustc-link-arg-bins=-Wl,-z,max-page-size=65536");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/tools/link/no-unwind-tables.ld");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/tools/link/hot-text.ld");
    }
}
