//! A file of the repository and what kind it is, decided once by the walk
//! from its name (or, for a script without an extension, its shebang).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Python { test: bool },
    Shell,
    Readme,
    Manifest,
    Codeowners,
    Other,
}

impl FileKind {
    /// Classification by name alone; `None` when only the content can tell.
    pub(crate) fn from_name(rel: &str, name: &str, lower: &str) -> Option<FileKind> {
        let kind = if lower.ends_with(".py") {
            FileKind::Python {
                test: is_test_name(name),
            }
        } else if lower.ends_with(".sh") || lower.ends_with(".bash") {
            FileKind::Shell
        } else if name == "CODEOWNERS"
            && matches!(
                rel.rsplit_once('/').map(|(dir, _)| dir),
                None | Some(".github" | ".gitlab" | "docs")
            )
        {
            FileKind::Codeowners
        } else if lower == "readme" || lower.starts_with("readme.") {
            FileKind::Readme
        } else if is_manifest_name(lower) {
            FileKind::Manifest
        } else {
            return None;
        };
        Some(kind)
    }

    pub(crate) fn from_shebang(shebang: &str) -> Option<FileKind> {
        let interpreter = shebang
            .trim_start_matches("#!")
            .split_whitespace()
            .filter_map(|word| word.rsplit('/').next())
            .find(|word| *word != "env" && !word.starts_with('-'))?;
        if interpreter.starts_with("python") {
            Some(FileKind::Python { test: false })
        } else if matches!(interpreter, "sh" | "bash" | "zsh" | "ksh" | "dash") {
            Some(FileKind::Shell)
        } else {
            None
        }
    }

    pub(crate) fn is_python(self) -> bool {
        matches!(self, FileKind::Python { .. })
    }

    pub(crate) fn is_script(self) -> bool {
        matches!(self, FileKind::Python { .. } | FileKind::Shell)
    }
}

/// pytest's default `python_files`: `test_*.py` and `*_test.py`.
fn is_test_name(name: &str) -> bool {
    (name.starts_with("test_") || name.ends_with("_test.py")) && name.ends_with(".py")
}

fn is_manifest_name(lower: &str) -> bool {
    (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || matches!(
            lower,
            "pyproject.toml"
                | "pipfile"
                | "pipfile.lock"
                | "poetry.lock"
                | "setup.py"
                | "setup.cfg"
        )
}

#[derive(Debug, Clone)]
pub(crate) struct RepoFile {
    /// Relative to the root, forward slashes.
    pub(crate) path: String,
    pub(crate) kind: FileKind,
}

impl RepoFile {
    /// Whether coverage figures count it: Python that is neither a test nor
    /// pytest's `conftest.py`.
    pub(crate) fn is_measured_code(&self) -> bool {
        self.kind == FileKind::Python { test: false }
            && self.path.rsplit('/').next() != Some("conftest.py")
    }
}
