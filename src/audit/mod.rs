//! The audit trail: `check --audit FILE` appends one JSON line per run, so a
//! team can show who ran the gate, where, on which commit, and what it found.
//! Several CI jobs may append to one file at once (a shared volume, a
//! metrics branch checked out once): each line goes out in one `write` on a
//! file opened for appending, under an advisory lock, so lines never mix.

mod incident;
mod languages;
mod origin;
mod record;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

pub(crate) use incident::{Incident, parse_time};
pub(crate) use languages::Languages;
pub(crate) use record::{Gate, Record, Standards};

use crate::config::CheckOptions;
use crate::config::Settings;
use crate::discover::repo::Repo;
use crate::report::RunResult;
use crate::rules;

/// What `--audit` and `--incident` asked for, validated before the run.
#[derive(Debug)]
pub(crate) struct Request {
    path: PathBuf,
    incident: Option<Incident>,
}

impl Request {
    pub(crate) fn from_options(options: &CheckOptions) -> Result<Option<Request>> {
        let incident = Incident::from_args(&options.incident)?;
        let Some(path) = &options.audit else {
            return Ok(None);
        };
        // Found out now, not after every tool has run.
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !folder.is_dir()
        {
            bail!(
                "the folder of the audit file `{}` does not exist; create it or choose another --audit FILE",
                path.display()
            );
        }
        Ok(Some(Request {
            path: path.clone(),
            incident,
        }))
    }

    /// Appends the record of `run` to the audit file.
    pub(crate) fn append(&self, run: &RunResult, repo: &Repo, settings: &Settings) -> Result<()> {
        let standards = rules::assess_standards(repo, &settings.rules);
        let origin = origin::Origin::detect(&settings.root)?;
        let mut record = Record::new(
            run,
            &standards,
            origin,
            self.incident.clone(),
            SystemTime::now(),
        );
        record.languages = Some(Languages::of(repo));
        append_line(&self.path, &record)
    }
}

/// One JSON line, written whole under an exclusive lock.
fn append_line(path: &Path, record: &Record) -> Result<()> {
    let mut line = serde_json::to_string(record).context("serialising the audit record")?;
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the audit file `{}`", path.display()))?;
    file.lock()
        .with_context(|| format!("locking the audit file `{}`", path.display()))?;
    // O_APPEND puts the line at the end even if another writer ignores the lock.
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .with_context(|| format!("appending to the audit file `{}`", path.display()))?;
    // Dropping the file releases the lock.
    Ok(())
}

/// Every record of an audit file, in file order. A line that is not a
/// record stops the read with its line number: figures from a damaged
/// trail would be wrong without saying so.
pub(crate) fn read(path: &Path) -> Result<Vec<Record>> {
    let file =
        File::open(path).with_context(|| format!("opening the audit file `{}`", path.display()))?;
    let mut records = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let number = index + 1;
        let line = line.with_context(|| format!("reading `{}` line {number}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).with_context(|| {
            format!(
                "`{}` line {number} is not an audit record written by `opsgate check --audit`",
                path.display()
            )
        })?;
        if parse_time(&record.time).is_none() {
            bail!(
                "`{}` line {number}: `time` is `{}`, not an RFC 3339 time (e.g. 2026-11-02T09:30:00Z)",
                path.display(),
                record.time
            );
        }
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn record(minute: u32) -> Record {
        let mut record = Record::new(
            &fixtures::run(),
            &[],
            origin::Origin::default(),
            None,
            SystemTime::now(),
        );
        record.time = format!("2026-11-02T09:{minute:02}:00Z");
        record
    }

    #[test]
    fn concurrent_appends_keep_every_line_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let path = &path;
                scope.spawn(move || {
                    for minute in 0..25 {
                        let mut record = record(minute);
                        // Long lines make interleaving visible if it happened.
                        record.who = Some(format!("{thread}-{}", "x".repeat(20_000)));
                        append_line(path, &record).unwrap();
                    }
                });
            }
        });
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 200);
    }

    #[test]
    fn a_damaged_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        append_line(&path, &record(1)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"version\":1,\"ti\n")
            .unwrap();
        let err = format!("{:#}", read(&path).unwrap_err());
        assert!(err.contains("line 2 is not an audit record"), "{err}");
        let missing = format!("{:#}", read(&dir.path().join("nope")).unwrap_err());
        assert!(missing.contains("opening the audit file"), "{missing}");
    }
}
