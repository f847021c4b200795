//! `--incident KEY=VALUE`: ties a run to an incident, so that `opsgate roi`
//! can tell how long incidents took to resolve (MTTR). A hotfix pipeline
//! records `id` and `opened_at`; the incident counts as resolved at the
//! `resolved_at` some record gives, else at the first passing run for it.

use std::time::SystemTime;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Incident {
    pub(crate) id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) opened_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resolved_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
}

const KEYS: &str = "id, opened_at, resolved_at, title";

impl Incident {
    /// The `--incident` values; `None` when there are none.
    pub(crate) fn from_args(pairs: &[String]) -> Result<Option<Incident>> {
        if pairs.is_empty() {
            return Ok(None);
        }
        let mut incident = Incident {
            id: String::new(),
            opened_at: None,
            resolved_at: None,
            title: None,
        };
        for pair in pairs {
            let Some((key, value)) = pair.split_once('=') else {
                bail!("--incident `{pair}`: expected KEY=VALUE with KEY one of {KEYS}");
            };
            let value = value.trim();
            if value.is_empty() {
                bail!("--incident `{pair}`: the value of `{key}` is empty");
            }
            match key {
                "id" => value.clone_into(&mut incident.id),
                "opened_at" => incident.opened_at = Some(timestamp(key, value)?),
                "resolved_at" => incident.resolved_at = Some(timestamp(key, value)?),
                "title" => incident.title = Some(value.to_owned()),
                other => bail!("--incident: unknown key `{other}` (known: {KEYS})"),
            }
        }
        if incident.id.is_empty() {
            bail!(
                "--incident needs id=ID (e.g. --incident id=INC-42) to tie the run to an incident"
            );
        }
        Ok(Some(incident))
    }
}

/// An RFC 3339 time in UTC, normalised to whole seconds.
fn timestamp(key: &str, value: &str) -> Result<String> {
    match parse_time(value) {
        Some(time) => Ok(humantime::format_rfc3339_seconds(time).to_string()),
        None => bail!(
            "--incident {key}=`{value}` is not an RFC 3339 time in UTC (e.g. 2026-11-02T09:30:00Z)"
        ),
    }
}

/// Parses the times the audit trail holds (`2026-11-02T09:30:00Z`).
pub(crate) fn parse_time(value: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn keys_are_parsed_and_times_normalised() {
        let incident = Incident::from_args(&args(&[
            "id=INC-7",
            "opened_at=2026-11-02T09:30:00.250Z",
            "title=DNS outage",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(incident.id, "INC-7");
        assert_eq!(incident.opened_at.as_deref(), Some("2026-11-02T09:30:00Z"));
        assert_eq!(incident.title.as_deref(), Some("DNS outage"));
        assert_eq!(Incident::from_args(&[]).unwrap(), None);
    }

    #[test]
    fn bad_input_says_how_to_fix_it() {
        for (input, expected) in [
            (vec!["INC-7"], "expected KEY=VALUE"),
            (vec!["opened_at=2026-11-02T09:30:00Z"], "needs id=ID"),
            (vec!["id=1", "opened_at=yesterday"], "not an RFC 3339 time"),
            (vec!["id=1", "owner=bob"], "unknown key `owner`"),
            (vec!["id="], "is empty"),
        ] {
            let err = Incident::from_args(&args(&input)).unwrap_err().to_string();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }
}
