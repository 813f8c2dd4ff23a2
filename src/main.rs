fn main() -> std::process::ExitCode {
    mamori::dispatch(std::env::args_os())
}
