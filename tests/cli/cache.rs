//! The result cache: a cached run reports exactly what an uncached one does,
//! an unchanged repository starts no tool process, and a change reaches the
//! files that depend on it (an imported module, the code under test).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::{CliTest, all_output, cache_dir, exit_code, tools_python};

/// A cache folder of the test's own that shares the provisioned tool
/// environments (so nothing is installed again) but not the results.
pub(crate) fn private_cache(test: &CliTest) -> PathBuf {
    let cache = test.outside().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::os::unix::fs::symlink(cache_dir().join("envs"), cache.join("envs")).unwrap();
    cache
}

/// `opsgate check --format json` of the test's repository with the cache
/// folder `cache`.
pub(crate) fn cached_check(test: &CliTest, cache: &Path, extra: &[&str]) -> Output {
    test.command()
        .env_remove("OPSGATE_NO_CACHE")
        .env("OPSGATE_CACHE_DIR", cache)
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(test.root())
        .output()
        .unwrap()
}

pub(crate) fn run(test: &CliTest, cache: &Path, extra: &[&str]) -> Value {
    let output = cached_check(test, cache, extra);
    assert!(exit_code(&output) < 2, "{}", all_output(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Per tool name: (files, cached, processes), of the tools that are on.
pub(crate) fn counts(report: &Value) -> Vec<(String, u64, u64, u64)> {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "disabled")
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["files"].as_u64().unwrap(),
                t["cached"].as_u64().unwrap(),
                t["processes"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn tool<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
}

/// The findings and tests, which must not depend on the cache.
fn verdict_and_findings(report: &Value) -> (Value, Value, Vec<Value>) {
    let mut tests: Vec<Value> = report["tests"].as_array().unwrap().clone();
    for test in &mut tests {
        test.as_object_mut().unwrap().remove("time");
    }
    tests.sort_by_key(std::string::ToString::to_string);
    (report["verdict"].clone(), report["findings"].clone(), tests)
}

/// Every tool of `warm` was served from the cache without starting a
/// process, and it reports what `cold` did.
pub(crate) fn assert_served_whole(warm: &Value, cold: &Value) {
    for (name, _, cached, started) in counts(warm) {
        assert!(
            cached > 0 && started == 0,
            "{name}: {cached} cached, {started} started"
        );
    }
    assert_eq!(verdict_and_findings(warm), verdict_and_findings(cold));
}

#[test]
fn an_unchanged_repository_starts_no_tool_process_and_reports_the_same() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("example");
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    assert!(
        counts(&cold)
            .iter()
            .all(|(_, _, cached, started)| *cached == 0 && *started >= 1),
        "{:?}",
        counts(&cold)
    );
    let warm = run(&test, &cache, &[]);
    for (name, files, cached, started) in counts(&warm) {
        assert_eq!(
            started, 0,
            "{name} started a process on an unchanged repository"
        );
        assert!(
            cached > 0 && (name == "pytest" || cached == files),
            "{name}: {cached} of {files} cached"
        );
    }
    assert_eq!(verdict_and_findings(&warm), verdict_and_findings(&cold));
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(verdict_and_findings(&uncached), verdict_and_findings(&cold));
    assert!(
        counts(&uncached)
            .iter()
            .all(|(_, _, cached, _)| *cached == 0)
    );
}

#[test]
fn findings_with_problems_are_the_same_cached_and_uncached() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("problems");
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    let warm = run(&test, &cache, &[]);
    assert_eq!(verdict_and_findings(&warm), verdict_and_findings(&cold));
    for name in ["black", "flake8", "pylint"] {
        assert_eq!(tool(&warm, name)["processes"], 0, "{name}");
    }
    // A failing test is never served from the cache: it runs again.
    assert!(tool(&warm, "pytest")["processes"].as_u64().unwrap() >= 1);
}

#[test]
fn one_changed_file_is_the_only_one_checked_again() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("example");
    let cache = private_cache(&test);
    run(&test, &cache, &[]);
    let script = "networking/dns-check/dns_check.py";
    let original = std::fs::read_to_string(test.root().join(script)).unwrap();
    // Not an import: the import graph is the same, so Pylint checks only it.
    test.write(script, &format!("{original}\nLIMITS = [ 1 ]\n"));
    let changed = run(&test, &cache, &[]);
    // Pylint also checks the script's test again: it imports the script.
    for (name, checked) in [("black", 1), ("flake8", 1), ("pylint", 2)] {
        let t = tool(&changed, name);
        assert_eq!(
            t["files"].as_u64().unwrap() - t["cached"].as_u64().unwrap(),
            checked,
            "{name}: {t}"
        );
        assert!(t["processes"].as_u64().unwrap() >= 1, "{name}");
    }
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(
        verdict_and_findings(&changed),
        verdict_and_findings(&uncached)
    );
    let rules: Vec<&str> = changed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == script)
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"E201") && rules.contains(&"would-reformat"),
        "the new findings are there: {rules:?}"
    );
}

const LIBRARY: &str = "\"\"\"Name resolution.\"\"\"\n\n\ndef resolve(host, port):\n    \"\"\"Return the address.\"\"\"\n    return f\"{host}:{port}\"\n";
const SCRIPT: &str = "\"\"\"Check a name.\"\"\"\n\nfrom opslib.net import resolve\n\n\ndef main():\n    \"\"\"Entry point.\"\"\"\n    return resolve(\"db1\", 5432)\n";
const TEST: &str = "\"\"\"Tests.\"\"\"\n\nfrom dns_check import main\n\n\ndef test_main():\n    \"\"\"It resolves.\"\"\"\n    assert main() == \"db1:5432\"\n";

pub(crate) fn import_repository() -> CliTest {
    let test = CliTest::empty();
    test.write("lib/opslib/__init__.py", "\"\"\"Shared.\"\"\"\n");
    test.write("lib/opslib/net.py", LIBRARY);
    test.write("networking/dns-check/dns_check.py", SCRIPT);
    test.write("networking/dns-check/test_dns_check.py", TEST);
    for n in 1..=4 {
        test.write(
            &format!("networking/other/other{n}.py"),
            &format!("\"\"\"Unrelated.\"\"\"\n\nVALUE = {n}\n"),
        );
    }
    test
}

/// The import repository with a cache of its own after its first (cold)
/// run; `None` without the tools (outside CI).
fn import_repository_run_cold() -> Option<(CliTest, PathBuf, Value)> {
    tools_python()?;
    let test = import_repository();
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    Some((test, cache, cold))
}

fn pylint_rules_in(report: &Value, path: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["tool"] == "pylint" && f["path"] == path)
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_change_to_an_imported_module_changes_the_findings_of_its_importers() {
    if tools_python().is_none() {
        return;
    }
    let test = import_repository();
    let cache = private_cache(&test);
    let script = "networking/dns-check/dns_check.py";
    let before = run(&test, &cache, &[]);
    assert!(!pylint_rules_in(&before, script).contains(&"E1121".to_owned()));
    // Now the script passes one argument too many: only Pylint, inferring
    // through the import, can tell, and the script itself did not change.
    test.write(
        "lib/opslib/net.py",
        &LIBRARY
            .replace("(host, port)", "(host)")
            .replace(":{port}", ""),
    );
    let after = run(&test, &cache, &[]);
    assert!(
        pylint_rules_in(&after, script).contains(&"E1121".to_owned()),
        "{:?}",
        after["findings"]
    );
    let pylint = tool(&after, "pylint");
    assert_eq!(
        pylint["cached"], 5,
        "the unrelated files come from the cache: {pylint}"
    );
    // And the test of the script, which imports the library through it, ran
    // again and now fails.
    assert_eq!(after["verdict"], "failed");
    assert!(
        after["tests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["outcome"] == "failed"),
        "{:?}",
        after["tests"]
    );
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(
        verdict_and_findings(&after),
        verdict_and_findings(&uncached)
    );
}

/// A module whose `__all__` astroid infers through a module it makes up.
const SYNTHETIC: &str = "\"\"\"Mod.\"\"\"\n_SHIMS = {\"UTC\": 1, \"utcnow\": 2}\n__all__ = tuple(_SHIMS)\n\n\ndef __getattr__(name):\n    \"\"\"Shim.\"\"\"\n    return _SHIMS[name]\n";

#[test]
fn messages_on_a_module_astroid_made_up_are_placed_on_the_checked_file_and_cached() {
    let Some(python) = tools_python() else {
        return;
    };
    let test = import_repository();
    let shims = "lib/opslib/shims.py";
    test.write(shims, SYNTHETIC);
    // Pylint run directly puts these messages on a file named "configuration".
    let direct = std::process::Command::new(&python)
        .args(["-m", "pylint", "--output-format=json2", shims])
        .current_dir(test.root())
        .output()
        .unwrap();
    let direct: Value = serde_json::from_slice(&direct.stdout).unwrap();
    let mut expected: Vec<String> = direct["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["path"] == "configuration")
        .map(|m| format!("{} {}", m["messageId"].as_str().unwrap(), m["message"]))
        .collect();
    assert_eq!(expected.len(), 2, "{direct}");
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    let findings = cold["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["path"] != "configuration"),
        "{findings:?}"
    );
    let mut placed: Vec<String> = findings
        .iter()
        .filter(|f| f["path"] == shims && f["rule"] == "E0603")
        .map(|f| {
            assert_eq!(f["line"], 1, "{f}");
            let message = f["message"].as_str().unwrap();
            assert!(message.contains("module __astroid_synthetic"), "{message}");
            format!(
                "E0603 \"{}\"",
                message.split(" [reported on").next().unwrap()
            )
        })
        .collect();
    expected.sort();
    placed.sort();
    assert_eq!(placed, expected);
    let warm = run(&test, &cache, &[]);
    assert_served_whole(&warm, &cold);
}

/// Changes a file nothing imports, runs, and puts it back: the results of
/// its first content leave the pack and become entries of their own.
fn change_and_revert(test: &CliTest, cache: &Path) -> Value {
    let path = "networking/other/other1.py";
    test.write(path, "\"\"\"Unrelated.\"\"\"\n\nVALUE = 10\n");
    let changed = run(test, cache, &[]);
    test.write(path, "\"\"\"Unrelated.\"\"\"\n\nVALUE = 1\n");
    changed
}

/// The files of every entry, and of the packs (`pk`, without the locks
/// beside them), by kind.
fn cache_files(cache: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut entries, mut packs) = (Vec::new(), Vec::new());
    for folder in std::fs::read_dir(cache.join("results/v1")).unwrap() {
        let folder = folder.unwrap().path();
        let files = std::fs::read_dir(&folder)
            .unwrap()
            .map(|file| file.unwrap().path());
        if folder.file_name().unwrap() == "pk" {
            packs.extend(files.filter(|file| file.extension().is_none_or(|ext| ext != "lock")));
        } else {
            entries.extend(files);
        }
    }
    (entries, packs)
}

#[test]
fn a_damaged_cache_is_a_miss_not_a_failure() {
    let Some((test, cache, cold)) = import_repository_run_cold() else {
        return;
    };
    change_and_revert(&test, &cache);
    let (entries, packs) = cache_files(&cache);
    assert!(
        entries.len() >= 3 && packs.len() == 1,
        "{entries:?} {packs:?}"
    );
    for file in entries.iter().chain(&packs) {
        std::fs::write(file, b"{\"key\": \"truncat").unwrap();
    }
    let again = run(&test, &cache, &[]);
    assert_eq!(verdict_and_findings(&again), verdict_and_findings(&cold));
    assert!(counts(&again).iter().all(|(_, _, cached, _)| *cached == 0));
}

#[test]
fn a_cold_run_stores_its_results_in_its_pack_and_a_dropped_result_becomes_an_entry() {
    let Some((test, cache, cold)) = import_repository_run_cold() else {
        return;
    };
    // One file for every result of the run.
    let (entries, packs) = cache_files(&cache);
    assert_eq!((entries.len(), packs.len()), (0, 1), "{entries:?}");
    // The first content's results, dropped from the pack by the run of the
    // change, serve the run after it was put back (a branch switched back).
    change_and_revert(&test, &cache);
    assert!(!cache_files(&cache).0.is_empty());
    let back = run(&test, &cache, &[]);
    for name in ["black", "flake8", "pylint"] {
        assert_eq!(tool(&back, name)["processes"], 0, "{name}");
    }
    assert_eq!(verdict_and_findings(&back), verdict_and_findings(&cold));
    // Another clone of the same code (a CI job in another folder) has no
    // pack of its own: it starts from the newest one.
    let clone = import_repository();
    let elsewhere = run(&clone, &cache, &[]);
    for name in ["black", "flake8", "pylint"] {
        assert_eq!(tool(&elsewhere, name)["processes"], 0, "{name}");
    }
    assert_eq!(
        verdict_and_findings(&elsewhere),
        verdict_and_findings(&cold)
    );
    assert_eq!(cache_files(&cache).1.len(), 2);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    if tools_python().is_none() {
        return;
    }
    let test = import_repository();
    let cache = private_cache(&test);
    run(&test, &cache, &["--no-cache"]);
    assert!(!cache.join("results").exists());
}

/// Removes the files of every result entry, leaving the packs; returns how
/// many packs there are.
pub(crate) fn remove_all_but_packs(cache: &Path) -> usize {
    let (entries, packs) = cache_files(cache);
    for entry in entries {
        std::fs::remove_file(entry).unwrap();
    }
    packs.len()
}

#[test]
fn a_warm_run_is_served_from_its_repository_s_pack_alone() {
    let Some((test, cache, cold)) = import_repository_run_cold() else {
        return;
    };
    // Every entry's file gone: only the pack of this repository is left.
    assert_eq!(remove_all_but_packs(&cache), 1);
    let warm = run(&test, &cache, &[]);
    assert_served_whole(&warm, &cold);
    // After a change to the imported module, the importer's finding changes
    // (an argument too many), and the pack written then serves it alone.
    let script = "networking/dns-check/dns_check.py";
    assert!(!pylint_rules_in(&warm, script).contains(&"E1121".to_owned()));
    test.write(
        "lib/opslib/net.py",
        &LIBRARY
            .replace("(host, port)", "(host)")
            .replace(":{port}", ""),
    );
    let changed = run(&test, &cache, &[]);
    assert!(pylint_rules_in(&changed, script).contains(&"E1121".to_owned()));
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(
        verdict_and_findings(&changed),
        verdict_and_findings(&uncached)
    );
    assert_eq!(remove_all_but_packs(&cache), 1);
    let again = run(&test, &cache, &[]);
    // pytest's failing test runs again, as it always does.
    for name in ["black", "flake8", "pylint"] {
        assert_eq!(tool(&again, name)["processes"], 0, "{name}");
    }
    assert_eq!(verdict_and_findings(&again), verdict_and_findings(&changed));
}
