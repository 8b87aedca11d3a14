//! `wasmphony config check FILE`: validates a YAML site file exactly as `serve --config`
//! does before applying it (syntax, references, prompt files, components compiled), without
//! touching any database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use wasmphony_engine::{HostConfig, ScenarioHost};

use crate::server::SiteConfig;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a site file; exit status 1 and the reason when it is refused.
    Check {
        /// The YAML site file.
        file: PathBuf,
    },
}

pub(crate) fn run(command: ConfigCommand) -> ExitCode {
    match command {
        ConfigCommand::Check { file } => check(&file),
    }
}

fn check(file: &std::path::Path) -> ExitCode {
    let host = match ScenarioHost::new(HostConfig::default()) {
        Ok(host) => host,
        Err(err) => {
            eprintln!("wasmphony: cannot start the scenario host: {err}");
            return ExitCode::FAILURE;
        }
    };
    match SiteConfig::load(file, &host) {
        Ok(site) => {
            println!("{}: valid: {}", file.display(), site.summary());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
