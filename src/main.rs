// std's lang_start is replaced by sys::entry (see its doc: issue 15). The
// test harness of `cargo test` brings its own main.
#![cfg_attr(not(test), no_main)]
#[cfg(not(test))]
mamori::entry_point!(|| mamori::sys::entry::status(mamori::dispatch(std::env::args_os())));
