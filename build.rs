//! Link options of the release binary that Cargo.toml cannot express:
//! the unwind tables dropped (link/no-unwind-tables.ld says why). Only for
//! the binary of a release build: tests, examples and debug builds keep
//! them, for unwinding test panics and for backtraces.
fn main() {
    println!("cargo:rerun-if-changed=link/no-unwind-tables.ld");
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/link/no-unwind-tables.ld");
    }
}
