//! End-to-end tests of the `opsgate` binary on fixture repositories, with the
//! real Black, Flake8, Pylint and pytest. The tools come from opsgate's own
//! managed environment, provisioned once into `target/tmp` and shared by
//! every test (which also exercises its lock). Outside CI a machine that
//! cannot provision them skips the real-tool tests; with `CI=true` it fails.

mod action_install;
mod architecture;
mod audit;
mod bandit;
mod base_python;
mod bounds;
mod cache;
mod cache_concurrent;
mod cache_explain;
mod cache_strings;
mod changed;
mod config;
mod coverage;
mod coverage_reports;
mod docs;
mod exit_codes;
mod explain_tools;
mod flake8_defaults;
mod fmt;
mod fuzz_job;
mod git_safety;
mod hook;
mod hook_path;
mod hostile;
mod interrupt;
mod interrupt_pty;
mod legacy;
mod mypy;
mod overrides;
mod packaging;
mod pages;
mod pins;
mod platforms;
mod pylint_lookup;
mod pylint_parts;
mod readonly;
mod reports;
mod roi_first_run;
mod roi_languages;
mod ruff;
mod rules;
mod shard;
mod shellcheck;
mod subpath;
mod tool_config;
mod toolenv;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::Value;

/// A fixture repository copied into a temporary folder, so tests never write
/// into `tests/fixtures`.
pub(crate) struct CliTest {
    dir: tempfile::TempDir,
}

impl CliTest {
    pub(crate) fn with_fixture(name: &str) -> CliTest {
        let source = fixture_path(name);
        let dir = tempfile::Builder::new()
            .prefix("opsgate-test-")
            .tempdir()
            .unwrap();
        copy_tree(&source, &dir.path().join("repo"));
        CliTest { dir }
    }

    pub(crate) fn empty() -> CliTest {
        let dir = tempfile::Builder::new()
            .prefix("opsgate-test-")
            .tempdir()
            .unwrap();
        std::fs::create_dir(dir.path().join("repo")).unwrap();
        CliTest { dir }
    }

    /// The repository root.
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A folder beside the repository, for files that must not be inside it.
    pub(crate) fn outside(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub(crate) fn write(&self, relative: &str, content: &str) {
        let path = self.root().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// `opsgate` with the shared cache; the caller adds arguments.
    pub(crate) fn command(&self) -> Command {
        Command::from_std(self.std_command())
    }

    /// `command`, as a process to start and watch.
    pub(crate) fn std_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("opsgate"));
        command
            .env("OPSGATE_CACHE_DIR", cache_dir())
            // Each test sees the tools run; the cache's own tests opt in.
            .env("OPSGATE_NO_CACHE", "1")
            .env_remove("PYTHONPATH")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path());
        // The CI these tests run in is not the CI of the fixture (OG204).
        for name in [
            "GITHUB_ACTIONS",
            "GITHUB_EVENT_PATH",
            "GITLAB_CI",
            "CI_MERGE_REQUEST_IID",
        ] {
            command.env_remove(name);
        }
        command
    }

    /// `opsgate check repo` with the given extra arguments.
    pub(crate) fn check(&self, extra: &[&str]) -> Output {
        self.command()
            .arg("check")
            .arg(self.root())
            .args(extra)
            .output()
            .unwrap()
    }

    /// `opsgate check repo --format json` with its own cache folder.
    pub(crate) fn check_json_with_cache(&self, cache: &Path) -> (Output, Value) {
        let output = self
            .command()
            .env("OPSGATE_CACHE_DIR", cache)
            .args(["check", "--format", "json"])
            .arg(self.root())
            .output()
            .unwrap();
        let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (output, report)
    }

    /// `opsgate check repo --format json` with the given extra arguments.
    pub(crate) fn check_json(&self, extra: &[&str]) -> (Output, Value) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let output = self.check(&args);
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
            panic!(
                "stdout is not JSON ({err}):\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output, report)
    }
}

pub(crate) fn fixture_path(name: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if name == "example" {
        manifest.join("examples/ops-repo")
    } else {
        manifest.join("tests/fixtures/repos").join(name)
    }
}

pub(crate) fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("opsgate-cache")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub(crate) fn exit_code(output: &Output) -> i32 {
    output.status.code().expect("opsgate exits normally")
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// stdout then stderr, for assertion messages and checks on either.
pub(crate) fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    )
}

/// `git -C dir args…` with no user or system configuration and a fixed
/// identity; its trimmed stdout. Panics (failing the test) when git fails.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The interpreter of the managed environment (the pinned tools), provisioned
/// by opsgate itself on first use. `None` (skip) only outside CI.
pub(crate) fn tools_python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let test = CliTest::with_fixture("clean");
            let (output, report) = test.check_json(&[]);
            let python = report["python"].as_str().map(PathBuf::from);
            match (exit_code(&output), python) {
                (0, Some(python)) => Some(python),
                (code, _) if in_ci() => panic!(
                    "CI=true and the tool environment could not be provisioned (exit {code}):\n{}",
                    stderr(&output)
                ),
                (code, _) => {
                    #[allow(clippy::print_stderr)] // tells why the tests skip
                    {
                        eprintln!(
                            "skipping real-tool tests: provisioning failed (exit {code}):\n{}",
                            stderr(&output)
                        );
                    }
                    None
                }
            }
        })
        .clone()
}

/// Findings of the JSON report as (tool, rule, path, line) tuples.
pub(crate) fn findings_of(report: &Value, tool: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["tool"] == tool)
        .cloned()
        .collect()
}

pub(crate) fn tool_status(report: &Value, tool: &str) -> String {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == tool)
        .map(|t| t["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A venv with the consumers' Python libraries (report validators,
/// pre-commit), built once per target folder. `None` (skip) only outside CI.
pub(crate) fn validator_python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("validators-v3");
            let python = venv.join("bin/python");
            let ready = venv.join("ready");
            if ready.is_file() {
                return Some(python);
            }
            let created = std::process::Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success());
            let installed = created
                && std::process::Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args([
                        "jsonschema==4.26.0",
                        "xmlschema==4.3.2",
                        "junitparser==4.0.2",
                        "sarif-tools==3.0.5",
                        "pre-commit==4.7.0",
                        "lxml==6.1.3",
                        "pycobertura==4.1.0",
                        // The Cobertura report is compared with `coverage xml`.
                        "coverage==7.17.3",
                        "pytest==9.2.0",
                    ])
                    .status()
                    .is_ok_and(|s| s.success());
            if installed {
                std::fs::write(&ready, "").unwrap();
                Some(python)
            } else {
                assert!(
                    !in_ci(),
                    "CI=true and the validators could not be installed"
                );
                None
            }
        })
        .clone()
}

/// Installs an npm package into its own folder under `target/tmp` once and
/// returns `node_modules/<inside>`. `None` (skip) only outside CI.
pub(crate) fn npm_package(folder: &str, packages: &[&str], inside: &str) -> Option<PathBuf> {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join(folder);
    let path = prefix.join("node_modules").join(inside);
    // Tests that share a package install it one at a time: two npm installs
    // into one folder at once break each other.
    let lock = std::fs::File::create(prefix.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if path.exists() {
        return Some(path);
    }
    let installed = std::process::Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .args(packages)
        .status()
        .is_ok_and(|s| s.success());
    if installed && path.exists() {
        Some(path)
    } else {
        assert!(!in_ci(), "CI=true and npm could not install {packages:?}");
        None
    }
}
