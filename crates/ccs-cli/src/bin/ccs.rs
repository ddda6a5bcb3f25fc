//! The `ccs` command; see the ccs-cli library.

fn main() -> std::process::ExitCode {
    ccs_cli::main()
}
