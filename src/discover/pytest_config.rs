//! Which files are tests, as the repository's pytest configuration says
//! (`python_files`), so that opsgate hands pytest the files pytest itself
//! would collect. pytest reads the first of `pytest.ini`, `.pytest.ini`,
//! `pyproject.toml` (`[tool.pytest]` or `[tool.pytest.ini_options]`),
//! `tox.ini` (`[pytest]`) and `setup.cfg` (`[tool:pytest]`) that holds its
//! section, in the repository root; so does opsgate.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use configparser::ini::Ini;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// pytest's default `python_files`.
const DEFAULT_PATTERNS: [&str; 2] = ["test_*.py", "*_test.py"];

/// The `python_files` patterns in force, matched on a file's name (or, for
/// a pattern with a `/`, on its path).
#[derive(Debug)]
pub(crate) struct TestPatterns {
    globs: GlobSet,
}

impl TestPatterns {
    pub(crate) fn defaults() -> TestPatterns {
        TestPatterns::new(&DEFAULT_PATTERNS.map(str::to_owned))
            .expect("the defaults are valid globs")
    }

    fn new(patterns: &[String]) -> Result<TestPatterns> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = if pattern.contains('/') {
                format!("**/{}", pattern.trim_start_matches('/'))
            } else {
                pattern.clone()
            };
            builder.add(Glob::new(&glob).with_context(|| format!("pattern `{pattern}`"))?);
        }
        Ok(TestPatterns {
            globs: builder.build()?,
        })
    }

    /// Whether pytest would collect the Python file at `path` (repo-relative).
    pub(crate) fn is_test(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.globs.is_match(name) || self.globs.is_match(path)
    }

    /// Reads the repository's pytest configuration; the defaults without one.
    pub(crate) fn from_repo(root: &Path) -> Result<TestPatterns> {
        match configured(root)? {
            Some((file, patterns)) => TestPatterns::new(&patterns).with_context(|| {
                format!("invalid `python_files` in `{}`", root.join(file).display())
            }),
            None => Ok(TestPatterns::defaults()),
        }
    }
}

/// The file pytest takes its configuration from and its `python_files`,
/// if that file sets them.
fn configured(root: &Path) -> Result<Option<(&'static str, Vec<String>)>> {
    for (file, section) in [
        ("pytest.ini", "pytest"),
        (".pytest.ini", "pytest"),
        ("pyproject.toml", ""),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ] {
        let path = root.join(file);
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading pytest's configuration `{}`", path.display()))?;
        let found = if file == "pyproject.toml" {
            from_pyproject(&text)
                .with_context(|| format!("`{}` is not valid TOML", path.display()))?
        } else {
            from_ini(&text, section, file.ends_with("pytest.ini"))
                .with_context(|| format!("`{}` cannot be read as INI", path.display()))?
        };
        // The first file that holds pytest's section is the configuration.
        if let Some(patterns) = found {
            return Ok(patterns.map(|p| (file, p)));
        }
    }
    Ok(None)
}

/// The modules pytest loads as plugins because its configuration or
/// environment names them: `-p NAME` in `addopts` of any file pytest may
/// read its configuration from, in `PYTEST_ADDOPTS`, and `PYTEST_PLUGINS`.
/// Read generously, as words, from the whole file: a plugin too many only
/// costs a cache miss. `-p no:NAME` turns one off and names none.
pub(crate) fn plugin_modules(root: &Path) -> Vec<String> {
    let mut texts: Vec<String> = [
        "pytest.ini",
        ".pytest.ini",
        "pyproject.toml",
        "tox.ini",
        "setup.cfg",
    ]
    .iter()
    // An unreadable file is in the keys as unreadable (`keys::CONFIG_FILES`).
    .filter_map(|file| std::fs::read_to_string(root.join(file)).ok())
    .collect();
    texts.extend(crate::environment::snapshot().owned("PYTEST_ADDOPTS"));
    let mut names = Vec::new();
    for text in &texts {
        let mut words = text
            .split(|c: char| c.is_whitespace() || "\"',[]=".contains(c))
            .filter(|w| !w.is_empty());
        while let Some(word) = words.next() {
            let name = match word.strip_prefix("-p") {
                Some("") => words.next(),
                Some(glued) if !glued.starts_with('-') => Some(glued),
                _ => None,
            };
            names.extend(name.filter(|n| !n.starts_with("no:")).map(str::to_owned));
        }
    }
    if let Some(listed) = crate::environment::snapshot().text("PYTEST_PLUGINS") {
        names.extend(
            listed
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        );
    }
    names
}

/// `Some(None)`: the file is pytest's configuration but keeps the defaults.
type Found = Option<Option<Vec<String>>>;

fn from_ini(text: &str, section: &str, always_ours: bool) -> Result<Found> {
    let mut ini = Ini::new_cs();
    ini.set_multiline(true);
    let map = ini.read(text.to_owned()).map_err(|err| anyhow!(err))?;
    let Some(values) = map.get(section) else {
        return Ok(always_ours.then_some(None));
    };
    Ok(Some(values.get("python_files").cloned().flatten().map(
        |v| v.split_whitespace().map(str::to_owned).collect(),
    )))
}

fn from_pyproject(text: &str) -> Result<Found> {
    let doc: toml::Table = toml::from_str(text)?;
    let Some(pytest) = doc.get("tool").and_then(|t| t.get("pytest")) else {
        return Ok(None);
    };
    // pytest 9 reads `[tool.pytest]` natively; `ini_options` is the older table.
    let table = pytest.get("ini_options").unwrap_or(pytest);
    let patterns = match table.get("python_files") {
        None => None,
        Some(toml::Value::String(s)) => Some(s.split_whitespace().map(str::to_owned).collect()),
        Some(toml::Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        Some(other) => anyhow::bail!("`python_files` must be a string or a list, not {other}"),
    };
    Ok(Some(patterns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn defaults_without_configuration() {
        let patterns = TestPatterns::from_repo(repo(&[]).path()).unwrap();
        assert!(patterns.is_test("net/x/test_a.py"));
        assert!(patterns.is_test("net/x/a_test.py"));
        assert!(!patterns.is_test("net/x/check.py"));
    }

    #[test]
    fn ini_python_files_span_lines() {
        let dir = repo(&[(
            "setup.cfg",
            "[tool:pytest]\npython_files =\n    check_*.py\n    *_spec.py\n",
        )]);
        let patterns = TestPatterns::from_repo(dir.path()).unwrap();
        assert!(patterns.is_test("a/check_dns.py"));
        assert!(patterns.is_test("a/dns_spec.py"));
        assert!(!patterns.is_test("a/test_dns.py"));
    }

    #[test]
    fn pytest_ini_wins_even_without_python_files() {
        let dir = repo(&[
            ("pytest.ini", "[pytest]\naddopts = -q\n"),
            ("setup.cfg", "[tool:pytest]\npython_files = check_*.py\n"),
        ]);
        let patterns = TestPatterns::from_repo(dir.path()).unwrap();
        assert!(patterns.is_test("a/test_x.py"));
        assert!(!patterns.is_test("a/check_x.py"));
    }

    #[test]
    fn pyproject_tables_old_and_new() {
        let old = repo(&[(
            "pyproject.toml",
            "[tool.pytest.ini_options]\npython_files = \"check_*.py\"\n",
        )]);
        assert!(
            TestPatterns::from_repo(old.path())
                .unwrap()
                .is_test("x/check_a.py")
        );
        let new = repo(&[(
            "pyproject.toml",
            "[tool.pytest]\npython_files = [\"*.py\"]\n",
        )]);
        assert!(
            TestPatterns::from_repo(new.path())
                .unwrap()
                .is_test("tests/connection.py")
        );
    }

    #[test]
    fn a_file_without_pytests_section_is_skipped() {
        let dir = repo(&[
            ("pyproject.toml", "[tool.black]\nline-length = 100\n"),
            ("tox.ini", "[pytest]\npython_files = check_*.py\n"),
        ]);
        assert!(
            TestPatterns::from_repo(dir.path())
                .unwrap()
                .is_test("a/check_b.py")
        );
    }

    #[test]
    fn plugins_named_with_p_in_any_configuration() {
        let dir = repo(&[
            (
                "pytest.ini",
                "[pytest]\naddopts = -q -p opsfix.plugin -pglued -p no:cacheprovider\n",
            ),
            (
                "pyproject.toml",
                "[tool.pytest.ini_options]\naddopts = [\"-p\", \"tomlplug\"]\n",
            ),
        ]);
        let mut names = plugin_modules(dir.path());
        names.sort();
        assert_eq!(names, ["glued", "opsfix.plugin", "tomlplug"]);
    }

    #[test]
    fn a_wrong_type_is_an_error() {
        let dir = repo(&[(
            "pyproject.toml",
            "[tool.pytest.ini_options]\npython_files = 3\n",
        )]);
        assert!(TestPatterns::from_repo(dir.path()).is_err());
    }
}
