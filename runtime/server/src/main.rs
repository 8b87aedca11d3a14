//! `wasmphony`: the server and its command-line tools. `main` only parses
//! the command line and dispatches to one module per subcommand.

mod cli;
mod server;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Scenario(command)) => cli::scenario::run(command),
        Some(Command::Config(command)) => cli::config::run(command),
        Some(Command::Serve(args)) => cli::serve::run(*args),
        None => cli::serve::run(cli::serve::ServeArgs::parse_defaults()),
    }
}
