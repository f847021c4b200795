//! `opsgate baseline`: runs every check and records the findings in the
//! baseline file (its purpose is writing that file into the repository);
//! `--prune` only drops the entries whose findings are gone.

use anyhow::{Result, bail};

use crate::ExitStatus;
use crate::check::{self, Evaluation};
use crate::cli::BaselineArgs;
use crate::config::{CheckOptions, Settings};
use crate::judge::baseline::{self, Baseline, Entry};

pub(crate) fn run(args: &BaselineArgs) -> Result<ExitStatus> {
    let mut settings = Settings::resolve(&args.sources())?;
    if let Some(subpath) = &settings.subpath {
        bail!(
            "`opsgate baseline` records the whole repository: `{subpath}` is a part of the one \
             at `{}`, and a baseline of a part would drop every other entry. Run `opsgate \
             baseline {}`",
            settings.root.display(),
            settings.root.display()
        );
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| settings.root.join(baseline::DEFAULT_FILE));
    // Pruning needs the old file: a missing one stops before the tools run.
    let previous = if args.prune {
        Some(Baseline::load(&output)?)
    } else {
        None
    };
    let Evaluation {
        findings, tools, ..
    } = check::evaluate(&mut settings, &CheckOptions::default(), None)?;
    // Fail closed: a baseline from a run where a check did not run would
    // miss its findings.
    let failed: Vec<&str> = tools
        .iter()
        .filter(|tool| tool.status.is_error())
        .map(|tool| {
            if let Some(error) = &tool.error {
                anstream::eprintln!("opsgate: error: {error}");
            }
            tool.name.name()
        })
        .collect();
    if !failed.is_empty() {
        anstream::eprintln!(
            "opsgate: error: {} did not run, so `{}` was not written",
            failed.join(", "),
            output.display()
        );
        return Ok(ExitStatus::Error);
    }
    if let Some(previous) = previous {
        let gone = previous.compare(&findings).gone;
        let kept: Vec<Entry> = previous
            .entries
            .into_iter()
            .filter(|entry| !gone.contains(entry))
            .collect();
        let remaining = kept.len();
        baseline::write(&output, kept)?;
        anstream::eprintln!(
            "opsgate: pruned {} fixed finding{} from {}; {remaining} remain",
            gone.len(),
            if gone.len() == 1 { "" } else { "s" },
            output.display()
        );
    } else {
        let entries: Vec<Entry> = findings.iter().map(Entry::of).collect();
        let count = entries.len();
        baseline::write(&output, entries)?;
        anstream::eprintln!(
            "opsgate: wrote {count} finding{} to {}; commit it, and `opsgate check` keeps \
                 them from failing the gate",
            if count == 1 { "" } else { "s" },
            output.display()
        );
    }
    Ok(ExitStatus::Passed)
}
