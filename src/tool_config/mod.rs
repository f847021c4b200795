//! The tools' own configuration files, read before any tool runs: one that
//! cannot be parsed stops the run (exit 2) with its file, line and the fix.
//! The tools are not that strict — Flake8 skips a `.flake8` or `setup.cfg`
//! that is not INI and runs with its defaults, Pylint reports a broken
//! `.pylintrc` as one more message and goes on — so a typo would silently
//! turn a team's settings off.
//!
//! Checked: every `.flake8`, `setup.cfg`, `tox.ini`, `.pylintrc`,
//! `pylintrc`, `pytest.ini` and `.pytest.ini` (INI, as Python's
//! `configparser` reads it: see [`ini`]) and `pyproject.toml` (TOML) the
//! walk finds — the tools look for them from the folder they run in and
//! from the files they check, so one in a tool folder counts too.

mod ini;

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::discover::repo::Repo;

/// The INI files, by name, with the section the tool reading it wants:
/// the fix for a file with settings but no section names it.
const INI_FILES: &[(&str, &str)] = &[
    (".flake8", "[flake8]"),
    ("setup.cfg", "[flake8], [tool:pytest] or [pylint.MAIN]"),
    ("tox.ini", "[flake8], [pytest] or [pylint.MAIN]"),
    (".pylintrc", "[MAIN]"),
    ("pylintrc", "[MAIN]"),
    ("pytest.ini", "[pytest]"),
    (".pytest.ini", "[pytest]"),
];

/// Checks every tool configuration file of `repo`.
///
/// # Errors
/// The first file that cannot be read or parsed, with its line and the fix.
pub(crate) fn validate(repo: &Repo) -> Result<()> {
    validate_files(&repo.root, repo.files.iter().map(|file| file.path.as_str()))
}

fn validate_files<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> Result<()> {
    for path in paths {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == "pyproject.toml" {
            let text = read(root, path)?;
            toml_file(path, &text)?;
        } else if let Some((_, section)) = INI_FILES.iter().find(|(n, _)| *n == name) {
            let text = read(root, path)?;
            if let Err(problem) = ini::check(&text) {
                bail!(
                    "`{}` line {}: {}. {} reads it with Python's configparser, which cannot \
                     parse it (the tool would {}); fix the line{}",
                    path,
                    problem.line,
                    problem.what,
                    tools_of(name),
                    consequence(name),
                    if problem.before_sections {
                        format!(", e.g. start the file with a section header such as {section}")
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    Ok(())
}

fn read(root: &Path, path: &str) -> Result<String> {
    let full = root.join(path);
    let bytes =
        std::fs::read(&full).with_context(|| format!("reading the tool configuration `{path}`"))?;
    String::from_utf8(bytes).map_err(|err| {
        anyhow::anyhow!(
            "`{path}` is not UTF-8 (byte {}): the tools read their configuration as UTF-8; \
             save it as UTF-8",
            err.utf8_error().valid_up_to()
        )
    })
}

fn toml_file(path: &str, text: &str) -> Result<()> {
    let Err(err) = toml::from_str::<toml::Table>(text) else {
        return Ok(());
    };
    let line = err
        .span()
        .map_or(1, |span| text[..span.start].matches('\n').count() + 1);
    bail!(
        "`{path}` line {line}: not valid TOML: {}. Black, Pylint, pytest and opsgate read \
         it; fix the line",
        err.message()
    )
}

fn tools_of(name: &str) -> &'static str {
    match name {
        ".flake8" => "Flake8",
        ".pylintrc" | "pylintrc" => "Pylint",
        "pytest.ini" | ".pytest.ini" => "pytest",
        _ => "Flake8, Pylint and pytest each",
    }
}

fn consequence(name: &str) -> &'static str {
    match name {
        ".pylintrc" | "pylintrc" => "report it as one message and check with its defaults",
        "pytest.ini" | ".pytest.ini" => "stop",
        _ => "skip it silently and check with its defaults, or stop",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate_repo(files: &[(&str, &str)]) -> Result<()> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        validate_files(dir.path(), files.iter().map(|(path, _)| *path))
    }

    #[test]
    fn a_flake8_file_that_is_not_ini_names_file_line_and_fix() {
        let err = validate_repo(&[(".flake8", "# settings\nmax-line-length = 100\n")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`.flake8` line 2"), "{err}");
        assert!(err.contains("[flake8]"), "{err}");
        assert!(err.contains("Flake8"), "{err}");
    }

    #[test]
    fn nested_files_and_toml_are_checked_too() {
        let err = validate_repo(&[
            ("net/dns/setup.cfg", "[flake8]\nmax-line-length = 100\n"),
            (
                "net/dns/pyproject.toml",
                "[tool.black]\nline-length = 100\n\n[tool.black\n",
            ),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("`net/dns/pyproject.toml` line 4"), "{err}");
    }

    #[test]
    fn valid_files_pass() {
        validate_repo(&[
            (
                ".flake8",
                "[flake8]\nextend-ignore =\n    E203,\n    W503\n",
            ),
            (
                ".pylintrc",
                "[MAIN]\njobs = 1 ; inline\n[MESSAGES CONTROL]\ndisable = C0114\n",
            ),
            ("pyproject.toml", "[tool.black]\nline-length = 100\n"),
            ("README.md", "not ini at all\n"),
        ])
        .unwrap();
    }
}
