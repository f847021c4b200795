//! The interpreter the tools run with, and the environment they get.
//!
//! With `--python` (or `python =` in the configuration) the tools installed
//! for that interpreter are used as they are. Otherwise opsgate provisions
//! virtual environments under its cache folder (`provision`) holding the
//! pinned tools and what the repository declares (`requirements`), from the
//! interpreter `base_python` picks.

mod base_python;
mod provision;
mod requirements;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::config::{Settings, ToolSettings};
use crate::discover::repo::Repo;
use crate::model::ToolKind;
use crate::runners::{self, IsolatedEnv, ProcessError, Toolbox};
pub(crate) use base_python::base_python;
use provision::EnvSpec;

const PROBE_TIMEOUT: Duration = Duration::from_mins(1);

/// Asks an interpreter for its version, the installed version of each tool,
/// and every distribution installed (a type checker's results depend on the
/// stubs and typed libraries there).
const PROBE: &str = r#"
import json, sys
from importlib import metadata
tools = {}
for name in sys.argv[1:]:
    try:
        tools[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        tools[name] = None
packages = sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()})
print(json.dumps({"python": sys.version.split()[0], "tools": tools, "packages": packages}))
"#;

#[derive(Serialize, Deserialize)]
struct Probe {
    python: String,
    tools: BTreeMap<String, Option<String>>,
    /// `name==version` of every installed distribution, sorted.
    packages: Vec<String>,
}

/// opsgate's cache folder: `$OPSGATE_CACHE_DIR`, else the user's cache (XDG).
pub(crate) fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = crate::environment::snapshot()
        .os("OPSGATE_CACHE_DIR")
        .filter(|d| !d.is_empty())
    {
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
    if tools.is_empty() {
        // Nothing to run: no environment to build, no interpreter to ask.
        return Ok(Toolbox {
            python: settings
                .python
                .clone()
                .unwrap_or_else(|| base_python().path),
            python_version: String::new(),
            versions: BTreeMap::new(),
            packages: Vec::new(),
            env: Vec::new(),
            isolated: Vec::new(),
        });
    }
    let (python, isolated) = match &settings.python {
        Some(python) => (python.clone(), Vec::new()),
        None => provision_managed(&cache, &tools, repo)?,
    };
    let managed = settings.python.is_none();
    let env = tool_env(&cache, repo, managed)?;
    let packages: Vec<&str> = tools
        .iter()
        .map(|t| runners::spec(t.kind).package)
        .collect();
    let probe = if managed {
        remembered_probe(&python, &packages, &env)?
    } else {
        probe(&python, &packages, &env)?
    };
    // By tool name, as the runners look them up.
    let versions = tools
        .iter()
        .map(|t| {
            let package = runners::spec(t.kind).package;
            let version = probe.tools.get(package).cloned().flatten();
            (t.kind.name().to_owned(), version)
        })
        .collect();
    Ok(Toolbox {
        python,
        python_version: probe.python,
        versions,
        packages: probe.packages,
        env,
        isolated,
    })
}

/// An interpreter that has one tool, to ask the tool itself (`opsgate
/// explain W0702`): the configured one, else a managed environment holding
/// only that pinned tool (no repository is needed to answer). With the
/// variables a tool gets.
pub(crate) fn for_tool(
    settings: &Settings,
    tool: &ToolSettings,
) -> Result<(PathBuf, Vec<(OsString, OsString)>)> {
    let cache = cache_dir()?;
    let mut env: Vec<(OsString, OsString)> = vec![("PYTHONDONTWRITEBYTECODE".into(), "1".into())];
    for (variable, dir) in runners::runner(tool.kind).cache_env(&cache) {
        env.push((variable.into(), dir.into_os_string()));
    }
    if let Some(python) = &settings.python {
        return Ok((python.clone(), env));
    }
    let pins = [format!(
        "{}=={}",
        runners::spec(tool.kind).package,
        tool.version
    )];
    let spec = EnvSpec {
        tools: &pins,
        requirements: &requirements::Requirements::default(),
        label: "an environment to ask the tool",
    };
    let python = provision::provision(&cache, &base_python().path, &spec, &settings.root)?;
    env.push(("PYTHONNOUSERSITE".into(), "1".into()));
    Ok((python, env))
}

/// `package==version` of each tool's package, once per package (Ruff's
/// linter and formatter are one); two versions of one package is an error.
fn package_pins(tools: &[&ToolSettings]) -> Result<Vec<String>> {
    let mut pins: Vec<(&str, &ToolSettings)> = Vec::new();
    for tool in tools {
        let package = runners::spec(tool.kind).package;
        match pins.iter().find(|(p, _)| *p == package) {
            Some((_, other)) if other.version != tool.version => anyhow::bail!(
                "[tools.{}] and [tools.{}] pin {package} at {} and {}: both run from the one \
                 `{package}` package, so set one version in both tables",
                other.kind.name(),
                tool.kind.name(),
                other.version,
                tool.version
            ),
            Some(_) => {}
            None => pins.push((package, tool)),
        }
    }
    let mut all: Vec<String> = pins
        .into_iter()
        .map(|(package, tool)| format!("{package}=={}", tool.version))
        .collect();
    all.extend(companion_pins(tools));
    Ok(all)
}

/// The pins of the packages the tools run with besides their own, and of
/// those installed beside them for convenience.
fn companion_pins<'t>(tools: &'t [&ToolSettings]) -> impl Iterator<Item = String> + 't {
    tools
        .iter()
        .flat_map(|tool| {
            let runner = runners::runner(tool.kind);
            [runner.companions(tool), runner.conveniences(tool)].concat()
        })
        .map(|pin| (*pin).to_owned())
}

/// The shared environment, and one per tool folder whose pins conflict (for
/// its tests: it holds pytest and the folder's requirements).
fn provision_managed(
    cache: &Path,
    tools: &[&ToolSettings],
    repo: &Repo,
) -> Result<(PathBuf, Vec<IsolatedEnv>)> {
    let plan = requirements::plan(repo)?;
    let base = base_python().path;
    let pins = package_pins(tools)?;
    let shared = EnvSpec {
        tools: &pins,
        requirements: &plan.shared,
        label: "the tool environment",
    };
    let python = provision::provision(cache, &base, &shared, &repo.root)?;
    // A separate environment runs the folder's tests: only the tools that
    // run the repository's code go there.
    let test_pins: Vec<String> = tools
        .iter()
        .filter(|t| runners::runner(t.kind).runs_repository_code())
        .map(|t| format!("{}=={}", runners::spec(t.kind).package, t.version))
        .chain(companion_pins(tools))
        .collect();
    let mut isolated = Vec::new();
    for (folder, requirements) in &plan.isolated {
        let label = format!("a separate environment for {folder} (its pins conflict)");
        let spec = EnvSpec {
            tools: &test_pins,
            requirements,
            label: &label,
        };
        isolated.push(IsolatedEnv {
            folder: folder.clone(),
            python: provision::provision(cache, &base, &spec, &repo.root)?,
        });
    }
    Ok((python, isolated))
}

/// The probe of a managed environment, kept beside it until what is
/// installed there changes (installing or removing a package changes the
/// site-packages folder's modification time): a warm run starts no
/// interpreter at all.
fn remembered_probe(python: &Path, tools: &[&str], env: &[(OsString, OsString)]) -> Result<Probe> {
    let venv = python
        .parent()
        .and_then(Path::parent)
        .context("the managed interpreter lives in a virtual environment")?;
    let mut stamp = vec![tools.join(",")];
    for folder in [venv.join("lib"), venv.join("lib64")] {
        for entry in fs::read_dir(&folder).into_iter().flatten().flatten() {
            let site = entry.path().join("site-packages");
            if let Ok(modified) = fs::metadata(&site).and_then(|m| m.modified()) {
                stamp.push(format!("{}={modified:?}", site.display()));
            }
        }
    }
    if let Ok(meta) = fs::metadata(python) {
        stamp.push(format!("{:?}/{}", meta.modified().ok(), meta.len()));
    }
    let stamp = crate::hash::short_digest(&stamp, 16);
    let remembered = venv.join("opsgate-probe.json");
    if let Ok(text) = fs::read_to_string(&remembered)
        && let Ok((kept, probe)) = serde_json::from_str::<(String, Probe)>(&text)
        && kept == stamp
    {
        return Ok(probe);
    }
    let probe = probe(python, tools, env)?;
    // Only a speed-up: a probe that cannot be kept is asked again next time.
    if let Ok(text) = serde_json::to_string(&(&stamp, &probe)) {
        let _ = fs::write(&remembered, text);
    }
    Ok(probe)
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
    // Each tool's own cache, under opsgate's.
    let mut caches: Vec<(OsString, OsString)> = Vec::new();
    for kind in ToolKind::ALL {
        for (variable, dir) in runners::runner(kind).cache_env(cache) {
            fs::create_dir_all(&dir)
                .with_context(|| format!("creating cache folder `{}`", dir.display()))?;
            caches.push((variable.into(), dir.into_os_string()));
        }
    }
    let mut path: Vec<PathBuf> = repo
        .import_roots
        .iter()
        .map(|root| repo.root.join(root))
        .collect();
    if let Some(existing) = crate::environment::snapshot().os("PYTHONPATH") {
        path.extend(std::env::split_paths(&existing));
    }
    let mut env = vec![("PYTHONDONTWRITEBYTECODE".into(), "1".into())];
    env.extend(caches);
    env.push((
        "PYTHONPATH".into(),
        std::env::join_paths(path).context("a library path holds a `:`")?,
    ));
    if managed {
        // The managed environment is the whole world: no user site-packages.
        env.push(("PYTHONNOUSERSITE".into(), "1".into()));
    }
    Ok(env)
}
