//! zhida 直达 — entry point: parse the command line, build the context, dispatch.
//! With no command the TUI opens.

mod cli;
mod tui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
