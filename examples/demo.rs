//! `cargo run --example demo`: two bots chat through the crate's own MSN server on
//! loopback ports. No account and no network needed. The script is in
//! `examples/support/demo.rs`; `tests/demo.rs` runs it too.

mod support;

use std::process::ExitCode;

fn main() -> ExitCode {
    match support::demo::run(&mut |line| println!("{line}")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("demo failed: {reason}");
            ExitCode::FAILURE
        }
    }
}
