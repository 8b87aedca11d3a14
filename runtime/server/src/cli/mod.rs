//! The command line: one module per subcommand.

pub(crate) mod config;
pub(crate) mod logging;
pub(crate) mod scenario;
pub(crate) mod serve;

use clap::{Parser, Subcommand};

/// A programmable telephony runtime: call logic ships as WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "wasmphony", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the server (the default when no command is given).
    Serve(Box<serve::ServeArgs>),
    /// Work with scenario components.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Work with YAML site files.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}
