//! What a tool's jobs found, split among the units that missed and kept in
//! the result cache.

use std::collections::HashMap;

use super::{CYCLIC_IMPORT, DUPLICATE_CODE, Owner, Stored, Unit};
use crate::cache::ResultCache;
use crate::model::{Planning, Role, TestOutcome, ToolKind};
use crate::runners::Interpreted;

/// Splits the jobs' output among the units that missed and stores each.
/// Nothing is stored when some output belongs to no unit (it could not be
/// served again): then the reason is returned, for the run to say why the
/// tool will run again. Nor is a pytest unit with a test that did not pass:
/// their keys are returned.
pub(crate) fn store(
    cache: &ResultCache,
    kind: ToolKind,
    units: &[Unit],
    output: &Interpreted,
) -> Result<Vec<String>, String> {
    let spec = crate::runners::spec(kind);
    let mut failed_units = Vec::new();
    if units.is_empty() {
        return Ok(failed_units);
    }
    let mut by_path: HashMap<&str, usize> = HashMap::new();
    let mut by_rule: HashMap<&str, usize> = HashMap::new();
    for (index, unit) in units.iter().enumerate() {
        match &unit.owner {
            Owner::Paths(paths) => {
                for path in paths {
                    by_path.insert(path, index);
                }
            }
            Owner::Rule(rule) => {
                by_rule.insert(rule, index);
            }
        }
    }
    let mut stored: Vec<Stored> = units.iter().map(|_| Stored::default()).collect();
    for finding in &output.findings {
        let owner = if spec.planning == Planning::CrossFile
            && matches!(finding.rule.as_str(), DUPLICATE_CODE | CYCLIC_IMPORT)
        {
            by_rule.get(finding.rule.as_str())
        } else {
            by_path.get(finding.path.as_str())
        };
        match owner {
            Some(&index) => stored[index].findings.push(finding.clone()),
            None => {
                return Err(format!(
                    "{} {} at `{}` belongs to no file it checked",
                    kind.name(),
                    finding.rule,
                    finding.path
                ));
            }
        }
    }
    for test in &output.tests {
        match test.file.as_deref().and_then(|file| by_path.get(file)) {
            Some(&index) => stored[index].tests.push(test.clone()),
            None => {
                return Err(format!(
                    "{} test `{}` belongs to no file it checked",
                    kind.name(),
                    test.name
                ));
            }
        }
    }
    // A process measured one folder's tests: its coverage is that unit's.
    for measured in &output.coverage {
        let mut owners = measured
            .tests
            .iter()
            .map(|file| by_path.get(file.as_str()).copied());
        match owners.next().flatten() {
            Some(index) if owners.all(|owner| owner == Some(index)) => {
                stored[index]
                    .coverage
                    .extend(measured.files.iter().cloned());
            }
            _ => {
                return Err(format!(
                    "{} measured the coverage of tests that are not one folder's",
                    kind.name()
                ));
            }
        }
    }
    for (unit, value) in units.iter().zip(stored) {
        let failed = spec.role == Role::Tests
            && (!value.findings.is_empty()
                || value
                    .tests
                    .iter()
                    .any(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error)));
        if failed {
            failed_units.push(unit.key.clone());
        } else {
            cache.put(&unit.key, &value);
        }
    }
    Ok(failed_units)
}
