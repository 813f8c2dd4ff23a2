#![no_main]
// std's lang_start is replaced by sys::entry (see its doc: issue 15).
mamori::entry_point!(|| mamori::sys::entry::status(mamori::dispatch(std::env::args_os())));
