//! The managed tool environment: the repository's declared dependencies are
//! installed, bad declarations fail closed, concurrent runs share one build.

use std::process::Command;

use crate::{CliTest, exit_code, findings_of, in_ci, stderr, tool_status, tools_python};

#[test]
fn declared_dependencies_are_installed_for_tests_and_pylint() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("with-deps");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pytest"), "ok");
    // Without idna and six, Pylint would report import-error (E0401).
    assert!(findings_of(&report, "pylint").is_empty(), "{report}");
}

#[test]
fn a_folder_with_conflicting_pins_runs_its_tests_in_its_own_environment() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("with-deps");
    // Each folder's tests assert the idna version it pins (3.10 and 3.7);
    // one shared environment could satisfy only one of them.
    let (output, report) = test.check_json(&["--fail-on", "note"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let pytest = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "pytest")
        .unwrap();
    assert_eq!(pytest["files"], 2);
    assert_eq!(pytest["status"], "ok");
}

#[test]
fn hash_checked_requirements_are_installed_beside_the_unhashed_tool_pins() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    // As `pip-compile --generate-hashes` writes it: pip then checks every
    // requirement of its invocation against a hash, opsgate's pins too.
    test.write(
        "networking/ping-sweep/requirements.txt",
        "six==1.16.0 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n",
    );
    test.write(
        "networking/ping-sweep/test_six.py",
        "import six\n\n\ndef test_six_is_the_pinned_one():\n    assert six.__version__ == \"1.16.0\"\n",
    );
    let (output, report) = test.check_json(&["--fail-on", "error"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pytest"), "ok");
    // A wrong hash fails closed, naming the step.
    test.write(
        "networking/ping-sweep/requirements.txt",
        "six==1.16.0 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
    );
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("could not install the repository's hash-checked requirements"),
        "{err}"
    );
}

#[test]
fn an_uninstallable_requirement_exits_2_naming_the_command() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write(
        "networking/ping-sweep/requirements.txt",
        "opsgate-test-no-such-package==0.0.1\n",
    );
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("could not install the tools and the repository's requirements"),
        "{err}"
    );
    assert!(
        err.contains("networking/ping-sweep/requirements.txt"),
        "{err}"
    );
    assert!(err.contains("opsgate-test-no-such-package"), "{err}");
}

#[test]
fn concurrent_first_runs_build_one_environment() {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(!in_ci(), "CI=true and no python3");
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let tests: Vec<CliTest> = (0..2).map(|_| CliTest::with_fixture("clean")).collect();
    let children: Vec<_> = tests
        .iter()
        .map(|test| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("opsgate"))
                .arg("check")
                .arg(test.root())
                .args(["--format", "json"])
                .env("OPSGATE_CACHE_DIR", cache.path())
                .env_remove("PYTHONPATH")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        if exit_code(&output) == 2 && !in_ci() {
            return; // no network to PyPI here
        }
        assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    }
    let envs: Vec<_> = std::fs::read_dir(cache.path().join("envs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.ends_with(".lock"))
        .collect();
    assert_eq!(envs.len(), 1, "{envs:?}");

    // A damaged environment is rebuilt, not used: first without its ready
    // marker, then without its interpreter.
    let env = cache.path().join("envs").join(&envs[0]);
    for damage in [".opsgate-ready", "bin/python"] {
        std::fs::remove_file(env.join(damage)).unwrap();
        let (output, report) = tests[0].check_json_with_cache(cache.path());
        assert_eq!(exit_code(&output), 0, "{damage}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("provisioning the tool environment"),
            "{damage}"
        );
        assert_eq!(report["verdict"], "passed");
        assert!(env.join("bin/python").exists());
    }
}

#[test]
fn a_cache_folder_that_cannot_be_used_exits_2_naming_it() {
    let test = CliTest::with_fixture("clean");
    let not_a_folder = test.outside().join("cache-is-a-file");
    std::fs::write(&not_a_folder, "").unwrap();
    let output = test
        .command()
        .env("OPSGATE_CACHE_DIR", &not_a_folder)
        .arg("check")
        .arg(test.root())
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("cache-is-a-file"), "{err}");
}
