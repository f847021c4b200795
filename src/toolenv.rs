//! The interpreter the tools run with, and the environment they get.
//!
//! With `--python` (or `python =` in the configuration) the tools installed
//! for that interpreter are used as they are. Otherwise opsgate provisions a
//! virtual environment under its cache folder, keyed by the pinned tool
//! versions, the base interpreter and the repository's declared dependencies
//! (`requirements.txt` files and `[project].dependencies`), so that a change
//! to any of them builds a new one. A lock file makes concurrent runs wait
//! for one builder; a marker written last makes a half-built environment a
//! rebuild, never a use.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::config::{Settings, ToolSettings};
use crate::hash::short_digest;
use crate::repo::Repo;
use crate::runners::{self, ProcessError, Toolbox};

const ENV_LAYOUT: &str = "opsgate-env-v1";
const READY_MARKER: &str = ".opsgate-ready";
const PROVISION_TIMEOUT: Duration = Duration::from_mins(20);
const PROBE_TIMEOUT: Duration = Duration::from_mins(1);

/// Asks an interpreter for its version and the installed version of each tool.
const PROBE: &str = r#"
import json, sys
from importlib import metadata
tools = {}
for name in sys.argv[1:]:
    try:
        tools[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        tools[name] = None
print(json.dumps({"python": sys.version.split()[0], "tools": tools}))
"#;

#[derive(Deserialize)]
struct Probe {
    python: String,
    tools: BTreeMap<String, Option<String>>,
}

/// opsgate's cache folder: `$OPSGATE_CACHE_DIR`, else the user's cache (XDG).
pub(crate) fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("OPSGATE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::cache_dir()
        .map(|dir| dir.join("opsgate"))
        .context("no cache folder: set OPSGATE_CACHE_DIR or HOME")
}

/// Resolves the interpreter, provisioning it when needed, and probes it.
pub(crate) fn prepare(settings: &Settings, repo: &Repo) -> Result<Toolbox> {
    let cache = cache_dir()?;
    let tools: Vec<&ToolSettings> = settings.enabled_tools().collect();
    let (python, managed) = match &settings.python {
        Some(python) => (python.clone(), false),
        None => (provision(&cache, &tools, repo)?, true),
    };
    let env = tool_env(&cache, repo, managed)?;
    let names: Vec<&str> = tools.iter().map(|t| t.kind.name()).collect();
    let probe = probe(&python, &names, &env)?;
    Ok(Toolbox {
        python,
        python_version: probe.python,
        versions: probe.tools,
        env,
    })
}

fn probe(python: &Path, tools: &[&str], env: &[(OsString, OsString)]) -> Result<Probe> {
    let mut command = Command::new(python);
    command
        .arg("-c")
        .arg(PROBE)
        .args(tools)
        .envs(env.iter().map(|(k, v)| (k, v)));
    let output = match runners::run_process(command, PROBE_TIMEOUT) {
        Ok(output) if output.code == Some(0) => output,
        Ok(output) => bail!(
            "the interpreter `{}` does not work ({}):\n{}",
            python.display(),
            output.describe_exit(),
            output.stderr_tail(10)
        ),
        Err(ProcessError::Spawn(err)) => bail!(
            "cannot run the interpreter `{}`: {err}; check --python or `python` in the configuration",
            python.display()
        ),
        Err(_) => bail!("the interpreter `{}` did not answer", python.display()),
    };
    serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "unexpected answer from `{}`: {}",
            python.display(),
            output.stdout_text()
        )
    })
}

/// The variables every tool gets: no bytecode or caches in the repository,
/// the shared libraries importable.
fn tool_env(cache: &Path, repo: &Repo, managed: bool) -> Result<Vec<(OsString, OsString)>> {
    let black_cache = cache.join("black");
    let pylint_home = cache.join("pylint");
    for dir in [&black_cache, &pylint_home] {
        fs::create_dir_all(dir)
            .with_context(|| format!("creating cache folder `{}`", dir.display()))?;
    }
    let mut path: Vec<PathBuf> = repo
        .import_roots
        .iter()
        .map(|root| repo.root.join(root))
        .collect();
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        path.extend(std::env::split_paths(&existing));
    }
    let mut env = vec![
        ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
        ("BLACK_CACHE_DIR".into(), black_cache.into_os_string()),
        ("PYLINTHOME".into(), pylint_home.into_os_string()),
        (
            "PYTHONPATH".into(),
            std::env::join_paths(path).context("a library path holds a `:`")?,
        ),
    ];
    if managed {
        // The managed environment is the whole world: no user site-packages.
        env.push(("PYTHONNOUSERSITE".into(), "1".into()));
    }
    Ok(env)
}

/// What goes into the managed environment besides the tools.
struct Requirements {
    files: Vec<String>,
    packages: Vec<String>,
}

fn declared_requirements(repo: &Repo) -> Result<Requirements> {
    let files = repo
        .manifests()
        .filter(|f| f.path.rsplit('/').next() == Some("requirements.txt"))
        .map(|f| f.path.clone())
        .collect();
    let mut packages = Vec::new();
    let pyproject = repo.root.join("pyproject.toml");
    if pyproject.is_file() {
        let text = fs::read_to_string(&pyproject)
            .with_context(|| format!("reading `{}`", pyproject.display()))?;
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("`{}` is not valid TOML", pyproject.display()))?;
        if let Some(deps) = doc
            .get("project")
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
        {
            packages.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_owned)));
        }
    }
    Ok(Requirements { files, packages })
}

fn provision(cache: &Path, tools: &[&ToolSettings], repo: &Repo) -> Result<PathBuf> {
    let base = base_python();
    let requirements = declared_requirements(repo)?;
    let specs: Vec<String> = tools
        .iter()
        .map(|t| format!("{}=={}", t.kind.name(), t.version))
        .collect();
    let key = env_key(&base, &specs, &requirements, repo)?;
    let envs = cache.join("envs");
    fs::create_dir_all(&envs).with_context(|| format!("creating `{}`", envs.display()))?;
    let dir = envs.join(&key);
    let python = dir.join("bin").join("python");

    let lock_path = envs.join(format!("{key}.lock"));
    let lock = File::create(&lock_path)
        .with_context(|| format!("creating lock `{}`", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking `{}`", lock_path.display()))?;
    if dir.join(READY_MARKER).is_file() {
        return Ok(python);
    }
    if dir.exists() {
        // A build that died half-way: start over.
        fs::remove_dir_all(&dir).with_context(|| format!("removing `{}`", dir.display()))?;
    }
    anstream::eprintln!(
        "opsgate: provisioning the tool environment ({}) in {}; later runs reuse it",
        specs.join(", "),
        dir.display()
    );
    build_env(&base, &dir, &specs, &requirements, &repo.root).inspect_err(|_| {
        let _ = fs::remove_dir_all(&dir);
    })?;
    fs::write(dir.join(READY_MARKER), &key)
        .with_context(|| format!("marking `{}` ready", dir.display()))?;
    Ok(python)
}

/// The interpreter the managed environment is built from.
fn base_python() -> PathBuf {
    std::env::var_os("OPSGATE_BASE_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

fn env_key(
    base: &Path,
    specs: &[String],
    requirements: &Requirements,
    repo: &Repo,
) -> Result<String> {
    let version = Command::new(base)
        .args(["-c", "import sys; print(sys.version)"])
        .output()
        .with_context(|| {
            format!(
                "cannot run `{}` to build the tool environment: install Python 3 or pass --python",
                base.display()
            )
        })?;
    let mut parts: Vec<Vec<u8>> = vec![
        ENV_LAYOUT.into(),
        base.as_os_str().as_encoded_bytes().to_vec(),
        version.stdout,
    ];
    parts.extend(
        specs
            .iter()
            .chain(&requirements.packages)
            .map(|s| s.clone().into_bytes()),
    );
    for file in &requirements.files {
        let content =
            fs::read(repo.root.join(file)).with_context(|| format!("reading `{file}`"))?;
        parts.push(file.clone().into_bytes());
        parts.push(content);
    }
    Ok(short_digest(&parts, 8))
}

fn build_env(
    base: &Path,
    dir: &Path,
    specs: &[String],
    requirements: &Requirements,
    root: &Path,
) -> Result<()> {
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

    let mut install = if let Some(uv) = &uv {
        let mut c = Command::new(uv);
        c.args(["pip", "install", "--python"]).arg(&python);
        c
    } else {
        let mut c = Command::new(&python);
        c.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ]);
        c
    };
    install.args(specs).args(&requirements.packages);
    for file in &requirements.files {
        install.arg("-r").arg(file);
    }
    install.current_dir(root);
    run_step(
        install,
        "install the tools and the repository's requirements",
    )
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
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
