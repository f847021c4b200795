//! Cache keys: everything a tool's result for one unit of work depends on.
//!
//! Every key starts from the tool's own part — opsgate's and the tool's
//! versions, the interpreter, the repository's configuration files for any
//! of the tools, the severity map and the import path — and adds the unit's
//! content: a file's bytes (Black, Flake8, Ruff, Bandit; `ShellCheck`'s with
//! the files a script sources), a file with everything it imports from the
//! repository (Pylint, and mypy with the installed packages), a tool
//! folder's files with what they import or could load (pytest; with the
//! `conftest.py` files above the folder and the plugins the configuration
//! names), or the whole set (Pylint's cross-file checks).

#[cfg(test)]
mod sound;

use std::collections::HashMap;

use rayon::prelude::*;

use super::Toolbox;
use crate::config::ToolSettings;
use crate::discover::file::FileKind;
use crate::discover::imports::ImportGraph;
use crate::discover::repo::Repo;
use crate::hash::short_digest;
use crate::model::Planning;

/// Whether `path` is a file whose content can change how any tool behaves.
pub(crate) fn is_config_file(path: &str) -> bool {
    CONFIG_FILES.contains(&path.rsplit('/').next().unwrap_or(path))
}

/// Files whose content can change how any tool behaves, wherever they are.
const CONFIG_FILES: &[&str] = &[
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    ".flake8",
    ".pylintrc",
    "pylintrc",
    "pytest.ini",
    ".pytest.ini",
    "conftest.py",
    "ruff.toml",
    ".ruff.toml",
    ".bandit",
    ".shellcheckrc",
    "shellcheckrc",
    "mypy.ini",
    ".mypy.ini",
];

/// Environment variables the tools read configuration from.
const CONFIG_VARIABLES: &[&str] = &[
    "PYLINTRC",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "FLAKE8_CONFIG",
    "SHELLCHECK_OPTS",
    "MYPYPATH",
];

pub(crate) struct KeyInputs {
    /// Digest of each file's bytes; files that cannot be read are absent
    /// (and so never cached).
    pub(crate) content: HashMap<String, String>,
    /// Digest of each Python file with everything it imports.
    pub(crate) closure: HashMap<String, String>,
    /// The same, where a file with a computed import covers all it could
    /// load (`ImportGraph::runtime_digests`): what running it depends on.
    runtime: HashMap<String, String>,
    /// Digest of the plugin modules pytest's configuration names (`-p`).
    plugins: String,
    /// Digest of each Python file's import skeleton (`imports::skeleton`).
    skeleton: HashMap<String, String>,
    config: String,
    /// Digest of where the packages are (every `__init__.py`): what a
    /// file's module name depends on besides its path.
    packages: String,
    /// What each Python file imports from the repository (`--changed`
    /// follows it to the importers of a change).
    pub(crate) graph: ImportGraph,
    /// The bytes read of each file the built-in rules read (all but
    /// `Other`), by index in `repo.files`: the rules take them instead of
    /// reading every file again.
    pub(crate) for_rules: Vec<Option<Vec<u8>>>,
}

impl KeyInputs {
    /// Reads every file once, in parallel: the one read of the repository's
    /// contents that the cache keys and `--changed` share.
    pub(crate) fn compute(repo: &Repo) -> KeyInputs {
        // By index in `repo.files`, like `for_rules`.
        let read: Vec<Option<Vec<u8>>> = repo
            .files
            .par_iter()
            .map(|file| std::fs::read(repo.root.join(&file.path)).ok())
            .collect();
        let digested: Vec<(&str, String, Option<String>)> = read
            .par_iter()
            .zip(&repo.files)
            .filter_map(|(bytes, file)| {
                let bytes = bytes.as_ref()?;
                let source = file
                    .kind
                    .is_python()
                    .then(|| String::from_utf8_lossy(bytes).into_owned());
                Some((file.path.as_str(), short_digest([bytes], 16), source))
            })
            .collect();
        let mut content = HashMap::with_capacity(digested.len());
        let mut sources: Vec<(&str, String)> = Vec::new();
        for (path, digest, source) in digested {
            content.insert(path.to_owned(), digest);
            if let Some(source) = source {
                sources.push((path, source));
            }
        }
        let borrowed: Vec<(&str, &str)> = sources.iter().map(|(p, s)| (*p, s.as_str())).collect();
        let (graph, skeletons) = ImportGraph::build_with_skeletons(&borrowed, &repo.import_roots);
        let closure = graph.closure_digests(&content);
        let runtime = graph.runtime_digests(&content);
        let plugin_files = graph.modules_named(
            &crate::discover::pytest_config::plugin_modules(&repo.root),
            &repo.import_roots,
        );
        let plugins = short_digest(
            plugin_files
                .iter()
                .flat_map(|path| [path.as_str(), runtime.get(path).map_or("?", String::as_str)]),
            16,
        );
        let skeleton = skeletons
            .into_par_iter()
            .map(|(path, skeleton)| (path, short_digest([skeleton], 16)))
            .collect();
        let paths = || repo.files.iter().map(|file| file.path.as_str());
        let mut config: Vec<String> = paths()
            .filter(|path| is_config_file(path))
            .map(|path| format!("{path}={}", content.get(path).map_or("?", String::as_str)))
            .collect();
        config.sort();
        for name in CONFIG_VARIABLES {
            if let Some(value) = crate::environment::snapshot().os(name) {
                config.push(format!("${name}={}", value.to_string_lossy()));
            }
        }
        let packages: Vec<&str> = paths()
            .filter(|path| path.rsplit('/').next() == Some("__init__.py"))
            .collect();
        let (config, packages) = (short_digest(&config, 16), short_digest(&packages, 16));
        let for_rules = read
            .into_iter()
            .zip(&repo.files)
            .map(|(bytes, file)| bytes.filter(|_| file.kind != FileKind::Other))
            .collect();
        KeyInputs {
            content,
            closure,
            runtime,
            plugins,
            skeleton,
            config,
            packages,
            graph,
            for_rules,
        }
    }

    /// The part of every key that belongs to the tool and the run's setup.
    pub(crate) fn tool_base(&self, tool: &ToolSettings, toolbox: &Toolbox, repo: &Repo) -> String {
        let setup = self.setup(tool, toolbox, repo);
        short_digest(setup.iter().map(|(_, value)| value), 16)
    }

    /// What `tool_base` digests, each part named (`--explain-cache` names
    /// the part that changed).
    pub(crate) fn setup(
        &self,
        tool: &ToolSettings,
        toolbox: &Toolbox,
        repo: &Repo,
    ) -> Vec<(&'static str, String)> {
        let name = tool.kind.name();
        let version = toolbox
            .versions
            .get(name)
            .cloned()
            .flatten()
            .unwrap_or_default();
        let runner = super::runner(tool.kind);
        let pass_env = if runner.runs_repository_code() {
            tool.pass_env.join(",")
        } else {
            String::new()
        };
        let (implied, implied_settings) = runner.implied_settings(&repo.root);
        let mut setup = vec![
            ("opsgate's version", env!("CARGO_PKG_VERSION").to_owned()),
            // A build from source between two versions may change them.
            (
                "opsgate's drivers",
                short_digest([super::pylint::DRIVER, super::pytest_coverage::DRIVER], 8),
            ),
            ("the tool", name.to_owned()),
            ("the tool's version", version),
            (
                "the interpreter",
                toolbox.python.to_string_lossy().into_owned(),
            ),
            ("the interpreter's version", toolbox.python_version.clone()),
            ("the configuration files", self.config.clone()),
            ("the severity map", format!("{:?}", tool.severity)),
            ("the import roots", repo.import_roots.join(",")),
            ("the variables passed to tests", pass_env),
            (implied, implied_settings),
        ];
        // coverage.py (and pytest-cov), as installed: what measures the tests.
        let companions = [runner.companions(tool), runner.conveniences(tool)].concat();
        if !companions.is_empty() {
            let installed: Vec<&str> = companions
                .iter()
                .filter_map(|pin| super::installed(pin, &toolbox.packages))
                .collect();
            setup.push(("the packages it runs with", installed.join(",")));
        }
        // What a file imports from outside the repository, for a tool that
        // follows imports into the installed packages and their stubs.
        if super::spec(tool.kind).planning == Planning::Closure {
            setup.push(("the installed packages", toolbox.packages.join(",")));
        }
        setup
    }

    /// A key for one file's own content and the files the tool reads with
    /// it (`inputs`: each one's content, or that it is absent).
    pub(crate) fn file_key(&self, base: &str, path: &str, inputs: &[String]) -> Option<String> {
        let digest = self.content.get(path)?;
        let mut parts = vec![base, "file", path, digest];
        for input in inputs {
            parts.push(input);
            parts.push(self.content.get(input).map_or("-", String::as_str));
        }
        Some(short_digest(parts, 20))
    }

    /// A key for what Pylint's cross-file checks gather on one file: its
    /// content, and where the packages are (its module name).
    pub(crate) fn facts_key(&self, base: &str, path: &str) -> Option<String> {
        let digest = self.content.get(path)?;
        Some(short_digest(
            [base, "facts", path, digest, &self.packages],
            20,
        ))
    }

    /// A key for one Python file and everything it imports.
    pub(crate) fn closure_key(&self, base: &str, path: &str) -> Option<String> {
        let digest = self.closure.get(path)?;
        Some(short_digest([base, "closure", path, digest], 20))
    }

    /// A key over the content of all `paths`.
    pub(crate) fn set_key(&self, base: &str, purpose: &str, paths: &[&str]) -> Option<String> {
        digest_of(base, purpose, paths, &self.content)
    }

    /// A key over the import skeletons of all `paths`.
    pub(crate) fn skeleton_key(&self, base: &str, paths: &[&str]) -> Option<String> {
        digest_of(base, "skeleton", paths, &self.skeleton)
    }

    /// A key for a folder of tests: every file under it (data and fixtures
    /// too), everything its Python files import or could load, every
    /// `conftest.py` above it with what that imports, and the plugins.
    pub(crate) fn folder_key(&self, base: &str, folder: &str, repo: &Repo) -> Option<String> {
        let mut parts = vec![base.to_owned(), "folder".to_owned(), folder.to_owned()];
        for file in repo.files_below(folder) {
            parts.push(file.path.clone());
            parts.push(self.content.get(&file.path)?.clone());
            if let Some(runtime) = self.runtime.get(&file.path) {
                parts.push(runtime.clone());
            }
        }
        // pytest loads each `conftest.py` from the root down to the tests.
        let above = crate::globs::ancestors(folder)
            .skip(1)
            .map(|dir| format!("{dir}/"));
        for dir in above.chain((!folder.is_empty()).then(String::new)) {
            let conftest = format!("{dir}conftest.py");
            if let Some(runtime) = self.runtime.get(&conftest) {
                parts.extend([conftest, runtime.clone()]);
            }
        }
        parts.push(self.plugins.clone());
        Some(short_digest(&parts, 20))
    }
}

fn digest_of(
    base: &str,
    purpose: &str,
    paths: &[&str],
    table: &HashMap<String, String>,
) -> Option<String> {
    let mut parts = vec![base, purpose];
    for path in paths {
        parts.push(path);
        parts.push(table.get(*path)?);
    }
    Some(short_digest(&parts, 20))
}
