//! The scheduled fuzzing job (.github/workflows/fuzz.yml): valid for
//! actionlint and action-validator, and selecting every property that fuzzes
//! a parser, so that a new one is not left out of the long runs.

use std::path::{Path, PathBuf};

use crate::platforms::{actionlint, validate_with_action_validator};

fn workflow() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/fuzz.yml")
}

#[test]
fn the_fuzz_workflow_passes_actionlint_and_action_validator() {
    validate_with_action_validator(&workflow());
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(".github/workflows/fuzz.yml");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(workflow(), &copy).unwrap();
    actionlint(dir.path());
    let text = std::fs::read_to_string(workflow()).unwrap();
    for promise in [
        "schedule:",
        "workflow_dispatch:",
        "OPSGATE_FUZZ_CASES",
        "OPSGATE_FUZZ_REGRESSIONS",
        "actions/upload-artifact",
    ] {
        assert!(text.contains(promise), "fuzz.yml lacks {promise}");
    }
}

/// The test filters the job runs (its `PROPERTIES`).
fn selected() -> Vec<String> {
    let text = std::fs::read_to_string(workflow()).unwrap();
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("PROPERTIES: "))
        .expect("fuzz.yml sets PROPERTIES");
    line.trim_matches('"')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_fuzz_workflow_selects_every_fuzzing_property() {
    let filters = selected();
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut properties = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let Some((_, after)) = text.split_once("proptest_config(crate::fuzz::config())") else {
            continue;
        };
        // A `fuzz` module's tests are selected by `fuzz::`.
        let in_fuzz_module =
            file.file_name().is_some_and(|n| n == "fuzz.rs") || text.contains("mod fuzz {");
        // A property's arguments are drawn `name in strategy`.
        for (_, rest) in after
            .match_indices("fn ")
            .map(|(at, _)| after.split_at(at + 3))
        {
            let Some((name, signature)) = rest.split_once('(') else {
                continue;
            };
            let signature = signature.split('{').next().unwrap_or_default();
            if !signature.contains(" in ") {
                continue;
            }
            properties.push(name.to_owned());
            let selected = filters.iter().any(|f| f == name)
                || (in_fuzz_module && filters.iter().any(|f| f == "fuzz::"));
            assert!(
                selected,
                "{name} in {} fuzzes with crate::fuzz::config() but fuzz.yml's PROPERTIES \
                 does not select it",
                file.display()
            );
        }
    }
    // Every named filter is a property that exists.
    for filter in filters.iter().filter(|f| *f != "fuzz::") {
        assert!(
            properties.contains(filter),
            "fuzz.yml names {filter}, not a property"
        );
    }
}
