//! Where opsgate runs: the GitHub Action (validated, and its run step
//! exercised with GitHub's environment), the example workflows, the GitLab CI
//! job (run by gitlab-ci-local with its shell executor) and the pre-commit
//! manifest. The docs link these files rather than copy them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::docs::doc_pages;
use crate::{
    CliTest, all_output, cache_dir, exit_code, npm_package, stderr, tools_python, validator_python,
};

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// An example CI file, which the docs link rather than copy.
fn example_file(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap()
}

/// The docs link the example file and hold no copy of it: a copy would drift.
fn assert_linked_not_copied(name: &str) {
    let example = example_file(name);
    let first = example.lines().next().unwrap();
    let ci = std::fs::read_to_string(repo_file("docs/ci.md")).unwrap();
    assert!(
        ci.contains(&format!("](../{name})")),
        "docs/ci.md links {name}"
    );
    for page in doc_pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        assert!(!text.contains(first), "{} copies {name}", page.display());
    }
}

fn action_validator() -> Option<PathBuf> {
    static TOOL: OnceLock<Option<PathBuf>> = OnceLock::new();
    TOOL.get_or_init(|| {
        npm_package(
            "action-validator-v0.6.0",
            &[
                "@action-validator/cli@0.6.0",
                "@action-validator/core@0.6.0",
            ],
            ".bin/action-validator",
        )
    })
    .clone()
}

pub(crate) fn validate_with_action_validator(file: &Path) {
    let Some(validator) = action_validator() else {
        return;
    };
    let output = Command::new(validator).arg(file).output().unwrap();
    assert!(
        output.status.success(),
        "{} is rejected:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
}

#[test]
fn action_yml_passes_action_validator() {
    validate_with_action_validator(&repo_file("action.yml"));
}

/// actionlint on the workflow files of `repo` (its `.github/workflows`).
pub(crate) fn actionlint(repo: &Path) {
    let Some(bin) = crate::packaging::packaging_bin() else {
        return;
    };
    // actionlint finds the workflows from the repository's root.
    crate::git(repo, &["init", "-q"]);
    let output = Command::new(bin.join("actionlint"))
        .arg("-no-color")
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint in {}:\n{}",
        repo.display(),
        all_output(&output)
    );
}

#[test]
fn the_release_workflow_passes_actionlint_and_action_validator() {
    let workflow = repo_file(".github/workflows/release.yml");
    validate_with_action_validator(&workflow);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(".github/workflows/release.yml");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&workflow, &copy).unwrap();
    actionlint(dir.path());
    let text = std::fs::read_to_string(&workflow).unwrap();
    // What the action's installer and README promise is what it builds.
    for promise in [
        "tags: [\"v*\"]",
        "scripts/release-archive",
        "unknown-linux-musl",
        "apple-darwin",
        "--compatibility manylinux2014",
        "--compatibility musllinux_1_2",
        "maturin sdist",
        "pypa/gh-action-pypi-publish",
        "id-token: write",
        "gh release create",
    ] {
        assert!(text.contains(promise), "release.yml lacks {promise}");
    }
}

/// The example workflows with `uses: ./` and this action.yml beside them:
/// actionlint checks their `with:` against the action's inputs.
#[test]
fn the_example_workflows_and_action_yml_pass_actionlint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo_file("action.yml"), dir.path().join("action.yml")).unwrap();
    for (name, block) in [
        ("opsgate.yml", "examples/github-actions/opsgate.yml"),
        ("sharded.yml", "examples/github-actions/opsgate-sharded.yml"),
    ] {
        let workflow = example_file(block);
        let pin = format!("your-org/opsgate@v{}", env!("CARGO_PKG_VERSION"));
        assert!(workflow.contains(&pin), "{block} pins {pin}");
        let path = dir.path().join(".github/workflows").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, workflow.replace(&pin, "./")).unwrap();
    }
    actionlint(dir.path());
}

#[test]
fn the_example_workflow_passes_action_validator_and_uses_the_action() {
    assert_linked_not_copied("examples/github-actions/opsgate.yml");
    let workflow = example_file("examples/github-actions/opsgate.yml");
    assert!(workflow.contains("uses: your-org/opsgate@"));
    assert!(workflow.contains("security-events: write"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".github/workflows/opsgate.yml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, workflow).unwrap();
    validate_with_action_validator(&path);
}

#[test]
fn the_example_sharded_workflow_passes_action_validator_and_merges_with_the_action() {
    assert_linked_not_copied("examples/github-actions/opsgate-sharded.yml");
    let workflow = example_file("examples/github-actions/opsgate-sharded.yml");
    assert!(workflow.contains("--shard ${{ matrix.shard }}/3"));
    assert!(workflow.contains("merge: "));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".github/workflows/opsgate.yml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, workflow).unwrap();
    validate_with_action_validator(&path);
}

#[test]
fn the_action_step_merges_shards_given_as_a_glob() {
    let test = CliTest::empty();
    test.write(
        "opsgate.toml",
        "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
         [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n",
    );
    test.write("networking/dns-check/dns_check.py", "print('dns')\n");
    test.write("database-management/backup/backup.py", "print('backup')\n");
    let (_, whole) = test.check_json(&[]);
    let shards = test.outside().join("shards");
    for index in 1..=2 {
        let folder = shards.join(format!("opsgate-shard-{index}"));
        std::fs::create_dir_all(&folder).unwrap();
        let json = format!("json={}", folder.join("opsgate.json").display());
        test.check(&["--shard", &format!("{index}/2"), "--output", &json]);
    }
    let github = test.outside().join("github");
    std::fs::create_dir_all(github.join("temp")).unwrap();
    let output = Command::new("bash")
        .arg(repo_file("action/run.sh"))
        .current_dir(test.outside())
        .env("OPSGATE", assert_cmd::cargo::cargo_bin("opsgate"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", test.outside())
        .env("GITHUB_OUTPUT", github.join("output"))
        .env("GITHUB_STEP_SUMMARY", github.join("summary.md"))
        .env("RUNNER_TEMP", github.join("temp"))
        .env("INPUT_PATH", "repo")
        .env(
            "INPUT_MERGE",
            format!("{}/*/opsgate.json", shards.display()),
        )
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let outputs = step_outputs(&github);
    assert_eq!(output_value(&outputs, "verdict"), whole["verdict"]);
    assert_eq!(output_value(&outputs, "exit-code"), "1");
    let merged: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(output_value(&outputs, "json-file")).unwrap(),
    )
    .unwrap();
    assert_eq!(merged["findings"], whole["findings"]);
    // Annotations carry paths relative to the workspace.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("file=repo/database-management/backup"),
        "{stdout}"
    );

    // No report matches: merge refuses, the step records exit 2.
    std::fs::remove_file(github.join("output")).unwrap();
    let output = Command::new("bash")
        .arg(repo_file("action/run.sh"))
        .current_dir(test.outside())
        .env("OPSGATE", assert_cmd::cargo::cargo_bin("opsgate"))
        .env("GITHUB_OUTPUT", github.join("output"))
        .env("RUNNER_TEMP", github.join("temp"))
        .env("INPUT_MERGE", format!("{}/none/*.json", shards.display()))
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    assert_eq!(output_value(&step_outputs(&github), "exit-code"), "2");
}

/// Runs `action/run.sh` as the action's gate step runs it.
fn run_action_step(test: &CliTest, fail_on: &str) -> (Output, PathBuf) {
    let github = test.outside().join("github");
    std::fs::create_dir_all(github.join("temp")).unwrap();
    let output = Command::new("bash")
        .arg(repo_file("action/run.sh"))
        .current_dir(test.outside())
        .env("OPSGATE", assert_cmd::cargo::cargo_bin("opsgate"))
        .env("OPSGATE_CACHE_DIR", cache_dir())
        .env_remove("PYTHONPATH")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", test.outside())
        .env("GITHUB_OUTPUT", github.join("output"))
        .env("GITHUB_STEP_SUMMARY", github.join("summary.md"))
        .env("RUNNER_TEMP", github.join("temp"))
        .env("INPUT_PATH", "repo")
        .env("INPUT_ARGS", "--jobs 2")
        .env("INPUT_FAIL_ON", fail_on)
        .env("OPSGATE_SARIF_CATEGORY", "ops-gate")
        .output()
        .unwrap();
    (output, github)
}

fn step_outputs(github: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(github.join("output"))
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn output_value<'a>(outputs: &'a [(String, String)], key: &str) -> &'a str {
    &outputs.iter().find(|(k, _)| k == key).unwrap().1
}

#[test]
fn the_action_step_reports_and_sets_outputs_without_failing_itself() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (output, github) = run_action_step(&test, "");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Annotations carry paths relative to the workspace.
    assert!(
        stdout.contains("::error file=repo/networking/vlan-audit/vlan_audit.py,line=13"),
        "{stdout}"
    );
    let outputs = step_outputs(&github);
    assert_eq!(output_value(&outputs, "verdict"), "failed");
    assert_eq!(output_value(&outputs, "exit-code"), "1");
    assert_eq!(output_value(&outputs, "errors"), "6");
    let sarif = PathBuf::from(output_value(&outputs, "sarif-file"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "ops-gate/black/"
    );
    assert!(PathBuf::from(output_value(&outputs, "junit-file")).is_file());
    assert!(PathBuf::from(output_value(&outputs, "json-file")).is_file());
    let summary = std::fs::read_to_string(github.join("summary.md")).unwrap();
    assert!(summary.contains("## opsgate: ❌ failed"));
}

#[test]
fn the_action_step_passes_fail_on_through() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("example");
    let (output, github) = run_action_step(&test, "note");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let outputs = step_outputs(&github);
    // The example has Pylint notes: at `note` they fail the gate.
    assert_eq!(output_value(&outputs, "exit-code"), "1");
    assert_eq!(output_value(&outputs, "verdict"), "failed");
}

#[test]
fn the_docs_link_the_gitlab_example_file() {
    assert_linked_not_copied(".gitlab-ci.example.yml");
}

#[test]
fn the_docs_link_the_sharded_gitlab_example_file() {
    assert_linked_not_copied(".gitlab-ci.sharded.example.yml");
}

#[test]
fn the_sharded_gitlab_jobs_pass_gitlab_ci_local_s_schema() {
    let Some(gcl) = npm_package(
        "gitlab-ci-local-v4.60.1",
        &["gitlab-ci-local@4.60.1"],
        ".bin/gitlab-ci-local",
    ) else {
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_file(".gitlab-ci.sharded.example.yml"),
        repo.path().join(".gitlab-ci.yml"),
    )
    .unwrap();
    let init = Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    let list = Command::new(&gcl)
        .arg("--list")
        .current_dir(repo.path())
        .output()
        .unwrap();
    let log = all_output(&list);
    assert!(list.status.success(), "{log}");
    assert!(log.contains("json schema validated"), "{log}");
    for job in ["opsgate-shard: [1/3]", "opsgate-shard: [3/3]"] {
        assert!(log.contains(job), "{job}: {log}");
    }
    assert!(
        log.contains("[opsgate-shard]"),
        "the merge job needs the shards: {log}"
    );
}

#[test]
fn the_gitlab_job_runs_in_gitlab_ci_local_and_keeps_its_reports() {
    let Some(_) = tools_python() else { return };
    let Some(gcl) = npm_package(
        "gitlab-ci-local-v4.60.1",
        &["gitlab-ci-local@4.60.1"],
        ".bin/gitlab-ci-local",
    ) else {
        return;
    };
    let test = CliTest::with_fixture("problems");
    let repo = test.root();
    std::fs::copy(
        repo_file(".gitlab-ci.example.yml"),
        repo.join(".gitlab-ci.yml"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "ci")
            .env("GIT_AUTHOR_EMAIL", "ci@example.com")
            .env("GIT_COMMITTER_NAME", "ci")
            .env("GIT_COMMITTER_EMAIL", "ci@example.com")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A", "-f"]);
    git(&["commit", "-q", "-m", "ops repository"]);

    // The job installs `$OPSGATE_PACKAGE` with pip, as it would
    // `opsgate==$OPSGATE_VERSION` from PyPI: here the wheel built from this
    // checkout, with no Rust on PATH. (A pip variable would also reach
    // opsgate's provisioning of the tools, from PyPI.)
    let Some(dist) = crate::packaging::dist() else {
        return;
    };
    let package = format!("OPSGATE_PACKAGE={}", dist.wheel.display());
    let path = crate::packaging::path_without_rust();
    let gitlab = |args: &[&str]| {
        Command::new(&gcl)
            .args(args)
            .args(["--variable", &package])
            .current_dir(&repo)
            .env("PATH", &path)
            .env_remove("PYTHONPATH")
            .output()
            .unwrap()
    };
    let list = gitlab(&["--list"]);
    assert!(list.status.success(), "{}", all_output(&list));
    assert!(
        all_output(&list).contains("json schema validated"),
        "{}",
        all_output(&list)
    );

    let job = gitlab(&["opsgate", "--force-shell-executor"]);
    let log = all_output(&job);
    assert!(!job.status.success(), "the gate must fail this job:\n{log}");
    assert!(log.contains("FAILED"), "{log}");
    // The line the job's `coverage:` regex reads.
    assert!(log.contains("Coverage: "), "{log}");
    // The job names the opsgate it installed: the wheel of this checkout.
    let version = std::process::Command::new(assert_cmd::cargo::cargo_bin("opsgate"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert!(log.contains(version.trim()), "{version}: {log}");
    // `when: always`: the reports are kept although the job failed.
    let artifacts = repo.join(".gitlab-ci-local/artifacts/opsgate");
    let junit = std::fs::read_to_string(artifacts.join("opsgate-junit.xml")).unwrap();
    assert!(junit.contains("test_detects_duplicate_vlan"));
    let quality: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(artifacts.join("gl-code-quality-report.json")).unwrap(),
    )
    .unwrap();
    assert!(quality.as_array().is_some_and(|a| a.len() > 5));
    // The coverage report GitLab shows in the merge request.
    let cobertura = std::fs::read_to_string(artifacts.join("coverage.xml")).unwrap();
    assert!(cobertura.contains("<coverage "), "{cobertura}");
}

#[test]
fn the_pre_commit_manifest_is_valid() {
    let Some(python) = validator_python() else {
        return;
    };
    let output = Command::new(python)
        .args(["-m", "pre_commit", "validate-manifest"])
        .arg(repo_file(".pre-commit-hooks.yaml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", all_output(&output));
}
