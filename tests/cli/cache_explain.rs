//! Warm everywhere, and `--explain-cache`: a warm run over every fixture
//! repository starts no tool process but where a test did not pass (or the
//! tool did not finish), and each unit that ran is explained.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::cache::{cached_check, import_repository, private_cache, tool};
use crate::{CliTest, all_output, exit_code, fixture_path, tools_python};

/// A run with its own cache and `--explain-cache`: the JSON report, and the
/// explanation's lines per tool (the tool's header line first).
fn explained(
    test: &CliTest,
    cache: &Path,
    extra: &[&str],
) -> (Value, BTreeMap<String, Vec<String>>) {
    let output = cached_check(test, cache, &[&["--explain-cache"], extra].concat());
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", all_output(&output)));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut lines = stderr
        .lines()
        .skip_while(|line| !line.starts_with("opsgate: cache: what was served"))
        .skip(1)
        .take_while(|line| line.starts_with("  "));
    let mut tools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in lines.by_ref() {
        if let Some(header) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            header.split(':').next().unwrap().clone_into(&mut current);
        }
        tools
            .entry(current.clone())
            .or_default()
            .push(line.trim().to_owned());
    }
    assert!(exit_code(&output) <= 2, "{}", all_output(&output));
    (report, tools)
}

/// Every repository the suite checks: the fixtures and the example.
fn every_fixture_repository() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path("clean").parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.push("example".to_owned());
    names
}

#[test]
fn a_warm_run_over_every_fixture_repository_starts_no_process_but_for_what_was_not_kept() {
    if tools_python().is_none() {
        return;
    }
    for name in every_fixture_repository() {
        let test = CliTest::with_fixture(&name);
        let cache = private_cache(&test);
        // The test that hangs is stopped soon.
        let config = test.outside().join("timeouts.toml");
        std::fs::write(&config, "[tools.pytest]\ntimeout = \"3s\"\n").unwrap();
        let config = ["--config", config.to_str().unwrap()];
        let extra: &[&str] = if name == "hangs" { &config } else { &[] };
        let (cold, _) = explained(&test, &cache, extra);
        let (warm, why) = explained(&test, &cache, extra);
        for name_of_tool in ["black", "flake8", "pylint", "pytest"] {
            let lines = why.get(name_of_tool).cloned().unwrap_or_default();
            if tool(&warm, name_of_tool)["processes"] == 0 {
                // Served whole: the header alone, counting no run.
                assert!(
                    lines.len() <= 1 && lines.iter().all(|l| l.ends_with(" 0 ran")),
                    "{name} {name_of_tool}: {lines:?}"
                );
                continue;
            }
            // Only tests that did not pass, or a tool that did not finish,
            // run again, and the explanation says so of each.
            assert_eq!(
                name_of_tool, "pytest",
                "{name}: {name_of_tool} ran again: {lines:?}"
            );
            assert!(lines.len() > 1, "{name}: unexplained: {lines:?}");
            for line in &lines[1..] {
                assert!(
                    line.ends_with(
                        "not kept last time: a test did not pass (failures always run again)"
                    ) || line.ends_with("not kept last time: it did not run to the end"),
                    "{name}: {line}"
                );
            }
            let outcomes: Vec<&Value> = cold["tests"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["outcome"] != "passed" && t["outcome"] != "skipped")
                .collect();
            assert!(
                !outcomes.is_empty() || cold["tools"].to_string().contains("timed_out"),
                "{name}: pytest ran again though every test passed"
            );
        }
    }
}

#[test]
fn explain_cache_says_why_each_unit_ran() {
    if tools_python().is_none() {
        return;
    }
    let test = import_repository();
    let cache = private_cache(&test);
    let (_, first) = explained(&test, &cache, &[]);
    assert!(
        first["pylint"].contains(&"no earlier run of it recorded for this repository".to_owned()),
        "{first:?}"
    );
    let (_, warm) = explained(&test, &cache, &[]);
    for (tool, lines) in &warm {
        assert_eq!(lines.len(), 1, "{tool}: {lines:?}");
        assert!(
            lines[0].ends_with("served from the cache, 0 ran"),
            "{lines:?}"
        );
    }

    // One library file changes: it ran for its content; what imports it,
    // for the import; the rest was served.
    let library = "lib/opslib/net.py";
    let original = std::fs::read_to_string(test.root().join(library)).unwrap();
    test.write(library, &format!("{original}\nTIMEOUT = 5\n"));
    let (report, changed) = explained(&test, &cache, &[]);
    assert_eq!(
        changed["black"],
        [
            "black: 7 served from the cache, 1 ran".to_owned(),
            format!("{library}: its content changed"),
        ]
    );
    let pylint = &changed["pylint"];
    for line in [
        format!("{library}: its content changed"),
        format!("networking/dns-check/dns_check.py: an import changed: {library}"),
        format!("networking/dns-check/test_dns_check.py: an import changed: {library}"),
    ] {
        assert!(pylint.contains(&line), "{line} in {pylint:?}");
    }
    assert!(
        !pylint.iter().any(|l| l.starts_with("networking/other/")),
        "{pylint:?}"
    );
    assert!(
        changed["pytest"].contains(&format!(
            "tests in networking/dns-check/: an import changed: {library}"
        )),
        "{changed:?}"
    );
    let pylint_record = tool(&report, "pylint");
    assert_eq!(pylint_record["cached"], 5, "{pylint_record}");

    // A configuration file changes: every tool reads it, so all ran. For
    // Flake8 it also replaces the settings opsgate gives it without one.
    test.write(".flake8", "[flake8]\nmax-line-length = 100\n");
    let (_, setup) = explained(&test, &cache, &[]);
    for tool in ["black", "flake8", "pylint", "pytest"] {
        let expected = if tool == "flake8" {
            "the setup changed: the configuration files (.flake8); \
             Flake8's settings without a configuration"
        } else {
            "the setup changed: the configuration files (.flake8)"
        };
        assert!(
            setup[tool].contains(&expected.to_owned()),
            "{tool}: {setup:?}"
        );
    }
}

#[test]
fn without_the_cache_explain_cache_says_it_is_off() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::empty();
    test.write("tool.py", "\"\"\"A tool.\"\"\"\n");
    // The shared command turns the cache off (OPSGATE_NO_CACHE); so does the flag.
    for extra in [&[][..], &["--no-cache"][..]] {
        let output = test
            .command()
            .args(["check", "--explain-cache"])
            .args(extra)
            .arg(test.root())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("opsgate: cache: off (--no-cache or OPSGATE_NO_CACHE)"),
            "{stderr}"
        );
    }
}
