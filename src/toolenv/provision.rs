//! Builds a virtual environment in opsgate's cache, keyed by everything that
//! goes into it (the base interpreter, the tool pins, the declarations and
//! the content of their files), so that a change to any of them builds a new
//! one and an unchanged one is reused. A lock file makes concurrent runs wait
//! for one builder; a marker written last makes a half-built environment a
//! rebuild, never a use. `uv` when it is on `PATH`, else `venv` and `pip`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::requirements::Requirements;
use crate::hash::short_digest;
use crate::runners::{self, ProcessError};

const ENV_LAYOUT: &str = "opsgate-env-v1";
const READY_MARKER: &str = ".opsgate-ready";
const PROVISION_TIMEOUT: Duration = Duration::from_mins(20);
/// An interpreter asked for its version answers in well under a second.
const ASK_TIMEOUT: Duration = Duration::from_mins(1);

/// What to install into one environment.
pub(crate) struct EnvSpec<'a> {
    /// `name==version` of the tools.
    pub(crate) tools: &'a [String],
    pub(crate) requirements: &'a Requirements,
    /// Shown in progress messages: "the tool environment", "networking/x".
    pub(crate) label: &'a str,
}

/// Returns the `python` of a ready environment for `spec`, building it first
/// if needed.
pub(crate) fn provision(cache: &Path, base: &Path, spec: &EnvSpec, root: &Path) -> Result<PathBuf> {
    let key = env_key(cache, base, spec, root)?;
    let envs = cache.join("envs");
    fs::create_dir_all(&envs).with_context(|| format!("creating `{}`", envs.display()))?;
    let dir = envs.join(&key);
    let python = dir.join("bin").join("python");

    let lock_path = envs.join(format!("{key}.lock"));
    let lock = File::create(&lock_path)
        .with_context(|| format!("creating lock `{}`", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking `{}`", lock_path.display()))?;
    // Ready means: marked complete for this key, and its interpreter is there.
    let marker = fs::read_to_string(dir.join(READY_MARKER)).unwrap_or_default();
    if marker == key && python.exists() {
        return Ok(python);
    }
    if dir.exists() {
        // A build that died half-way, or one damaged since: start over.
        fs::remove_dir_all(&dir).with_context(|| format!("removing `{}`", dir.display()))?;
    }
    anstream::eprintln!(
        "opsgate: provisioning {} ({}) from {} in {}; later runs reuse it",
        spec.label,
        spec.tools.join(", "),
        base.display(),
        dir.display()
    );
    build(base, &dir, spec, root).inspect_err(|_| {
        let _ = fs::remove_dir_all(&dir);
    })?;
    fs::write(dir.join(READY_MARKER), &key)
        .with_context(|| format!("marking `{}` ready", dir.display()))?;
    Ok(python)
}

fn env_key(cache: &Path, base: &Path, spec: &EnvSpec, root: &Path) -> Result<String> {
    let version = base_version(cache, base)?;
    let mut parts: Vec<Vec<u8>> = vec![
        ENV_LAYOUT.into(),
        base.as_os_str().as_encoded_bytes().to_vec(),
        version.into_bytes(),
    ];
    parts.extend(
        spec.tools
            .iter()
            .chain(&spec.requirements.packages)
            .map(|s| s.clone().into_bytes()),
    );
    for file in &spec.requirements.files {
        let content = fs::read(root.join(file)).with_context(|| format!("reading `{file}`"))?;
        parts.push(file.clone().into_bytes());
        parts.push(content);
    }
    Ok(short_digest(&parts, 8))
}

/// The base interpreter's `sys.version`. Asking costs an interpreter start
/// (through a version manager's shim, a few of them), so the answer is kept
/// with what decides which interpreter `base` means — `PATH`,
/// `PYENV_VERSION` and the `.python-version` files above the working folder —
/// and is trusted while that interpreter's file is unchanged.
fn base_version(cache: &Path, base: &Path) -> Result<String> {
    let env = crate::environment::snapshot();
    let var = |name| env.os(name).unwrap_or_default().as_encoded_bytes().to_vec();
    let mut chooses = vec![
        base.as_os_str().as_encoded_bytes().to_vec(),
        var("PATH"),
        var("PYENV_VERSION"),
    ];
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            chooses.push(fs::read(dir.join(".python-version")).unwrap_or_default());
        }
    }
    let records = cache.join("base-python");
    let record = records.join(format!("{}.json", short_digest(&chooses, 8)));
    let unchanged = |executable: &str, stamp: &str| {
        fs::metadata(executable)
            .is_ok_and(|m| format!("{:?}/{}", m.modified().ok(), m.len()) == stamp)
    };
    if let Ok(text) = fs::read_to_string(&record)
        && let Ok([executable, stamp, version]) = serde_json::from_str::<[String; 3]>(&text)
        && unchanged(&executable, &stamp)
    {
        return Ok(version);
    }
    let mut ask = Command::new(base);
    ask.args([
        "-c",
        "import sys; print(sys.executable); print(sys.version)",
    ]);
    let output = match runners::run_process(ask, ASK_TIMEOUT) {
        Ok(output) => output,
        Err(ProcessError::Spawn(err)) => bail!(
            "cannot run `{}` to build the tool environment ({err}): install Python 3 or pass \
             --python",
            base.display()
        ),
        Err(_) => bail!(
            "`{}` did not say its version within {}: pass --python with a working interpreter",
            base.display(),
            humantime::format_duration(ASK_TIMEOUT)
        ),
    };
    let text = output.stdout_text();
    let (executable, version) = text.split_once('\n').unwrap_or(("", &text));
    let version = version.to_owned();
    if output.code == Some(0)
        && let Ok(meta) = fs::metadata(executable)
    {
        let stamp = format!("{:?}/{}", meta.modified().ok(), meta.len());
        // Only a speed-up: a record that cannot be written is asked again.
        let _ = fs::create_dir_all(&records);
        let _ = fs::write(
            &record,
            serde_json::json!([executable, stamp, version]).to_string(),
        );
    }
    Ok(version)
}

fn build(base: &Path, dir: &Path, spec: &EnvSpec, root: &Path) -> Result<()> {
    let python = dir.join("bin").join("python");
    let uv = find_on_path("uv");
    let mut create = if let Some(uv) = &uv {
        let mut c = Command::new(uv);
        c.arg("venv").arg("--python").arg(base).arg(dir);
        c
    } else {
        let mut c = Command::new(base);
        c.args(["-m", "venv"]).arg(dir);
        c
    };
    create.current_dir(root);
    run_step(create, "create the virtual environment")?;

    // Once one requirements file gives hashes, pip checks every requirement
    // of its invocation against one, the tools' pins too: such files are
    // installed by a second invocation, after the tools.
    let (hashed, plain): (Vec<&String>, Vec<&String>) = spec
        .requirements
        .files
        .iter()
        .partition(|file| spec.requirements.hashed.contains(file));
    let mut install = installer(uv.as_deref(), &python, root, &plain);
    install.args(spec.tools).args(&spec.requirements.packages);
    run_step(
        install,
        "install the tools and the repository's requirements",
    )?;
    if hashed.is_empty() {
        return Ok(());
    }
    let install = installer(uv.as_deref(), &python, root, &hashed);
    run_step(
        install,
        "install the repository's hash-checked requirements",
    )
}

/// `pip install -r FILE…` into the environment of `python`, run in `root`,
/// through uv where it is.
fn installer(uv: Option<&Path>, python: &Path, root: &Path, files: &[&String]) -> Command {
    let mut install = installer_of(uv, python);
    for file in files {
        install.arg("-r").arg(file);
    }
    install.current_dir(root);
    install
}

fn installer_of(uv: Option<&Path>, python: &Path) -> Command {
    if let Some(uv) = uv {
        let mut c = Command::new(uv);
        c.args(["pip", "install", "--python"]).arg(python);
        c
    } else {
        let mut c = Command::new(python);
        c.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ]);
        c
    }
}

fn run_step(command: Command, what: &str) -> Result<()> {
    let shown = format!("{command:?}");
    match runners::run_process(command, PROVISION_TIMEOUT) {
        Ok(output) if output.code == Some(0) => Ok(()),
        Ok(output) => bail!(
            "could not {what} ({}); the command was:\n  {shown}\n{}\n\
             Fix the requirement it names, or pass --python with an interpreter that has the tools",
            output.describe_exit(),
            output.stderr_tail(20)
        ),
        Err(ProcessError::Spawn(err)) => bail!("could not {what}: cannot start {shown}: {err}"),
        Err(_) => bail!("could not {what}: {shown} did not finish"),
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = crate::environment::snapshot().os("PATH")?;
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
