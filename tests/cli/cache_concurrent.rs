//! Runs of one repository at once (a pre-push hook beside an editor, CI jobs
//! sharing a cache folder) each keep their results: the repository's pack,
//! which every run writes anew, takes in what the others wrote meanwhile.

use std::path::PathBuf;

use serde_json::Value;

use crate::cache::{
    assert_served_whole, counts, import_repository, private_cache, remove_all_but_packs, run,
};
use crate::{CliTest, tools_python};

const TOOLS: [&str; 4] = ["black", "flake8", "pylint", "pytest"];

/// A configuration, beside the repository, under which `tool` alone checks
/// the files: the others are turned off for every path rather than at the
/// root, so the managed environment, and with it every cache key, is the
/// one a run of every tool uses.
fn only(test: &CliTest, tool: &str) -> PathBuf {
    let off: Vec<String> = TOOLS
        .iter()
        .filter(|other| **other != tool)
        .map(|other| format!("[overrides.tools.{other}]\nenabled = false\n"))
        .collect();
    let config = format!("[[overrides]]\npaths = [\"**\"]\n{}", off.concat());
    let path = test.outside().join(format!("only-{tool}.toml"));
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn runs_at_once_each_keep_their_results_in_the_pack() {
    if tools_python().is_none() {
        return;
    }
    let test = import_repository();
    let cache = private_cache(&test);
    let configs: Vec<PathBuf> = TOOLS.iter().map(|tool| only(&test, tool)).collect();
    // Four processes at once on one repository and one cache folder, each
    // storing what its tool found and nothing of the others'.
    let reports: Vec<Value> = std::thread::scope(|scope| {
        let runs: Vec<_> = configs
            .iter()
            .map(|config| {
                let args = ["--config", config.to_str().unwrap()];
                let (test, cache) = (&test, &cache);
                scope.spawn(move || run(test, cache, &args))
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for (tool, report) in TOOLS.iter().zip(&reports) {
        for (name, _, cached, started) in counts(report) {
            assert_eq!(cached, 0, "{tool} alone: {name} served from the cache");
            assert_eq!(
                started > 0,
                name == *tool,
                "{tool} alone: {name} started {started}"
            );
        }
    }
    // With the entries' files gone, only the pack can serve: it holds the
    // results of all four.
    assert_eq!(remove_all_but_packs(&cache), 1);
    let warm = run(&test, &cache, &[]);
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_served_whole(&warm, &uncached);
}
