use clap::Parser;
use std::process::ExitCode;
use sweep::cli::{Cli, Command};
use sweep::{commands, printable};

fn main() -> ExitCode {
    sweep::runner::install_panic_hook();
    let cli = Cli::parse();
    let result = match &cli.command {
        None => commands::run::execute(&cli.run),
        Some(Command::Gradcheck(args)) => commands::gradcheck::execute(args),
        Some(Command::Collect(args)) => commands::collect::execute(args),
        Some(Command::Report(args)) => commands::report::execute(args),
    };
    result.unwrap_or_else(|err| {
        eprintln!("sweep: error: {}", printable::text(&format!("{err:#}")));
        ExitCode::from(sweep::exit_code(&err))
    })
}
