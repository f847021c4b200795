use std::io::{ErrorKind, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

use opsgate::ExitStatus;
use opsgate::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match opsgate::run(&cli) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe on stdout (`opsgate check | head`) is not a failure.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            if let Some(interrupted) = err.downcast_ref::<opsgate::Interrupted>() {
                // A terminal echoed `^C` where its cursor was: a line of our own.
                let fresh = if std::io::stderr().is_terminal() {
                    "\n"
                } else {
                    ""
                };
                anstream::eprintln!("{fresh}opsgate: error: {interrupted}");
                return ExitCode::from(interrupted.exit_code());
            }
            anstream::eprintln!("opsgate: error: {err:#}");
            ExitStatus::Error.into()
        }
    }
}
