use clap::Parser;
use std::process::ExitCode;
use sweep::cli::{Cli, Command};
use sweep::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => commands::run::execute(&cli.run),
        Some(Command::Gradcheck(args)) => commands::gradcheck::execute(args),
        Some(Command::Collect(args)) => commands::collect::execute(args),
    };
    result.unwrap_or_else(|err| {
        eprintln!("sweep: error: {err:#}");
        ExitCode::from(sweep::exit_code(&err))
    })
}
