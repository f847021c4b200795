//! What the repository's automation is written in, per run: shell scripts
//! and Python files, and the tool folders that hold only one or both. Over
//! time, the measure of a move from Bash to Python (`opsgate roi`).

use serde::{Deserialize, Serialize};

use crate::discover::file::FileKind;
use crate::discover::repo::Repo;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Languages {
    /// Shell scripts: `.sh`, `.bash`, and files with an sh-family shebang.
    pub(crate) shell_scripts: usize,
    /// Python files that are not tests.
    pub(crate) python_files: usize,
    /// Tool folders whose scripts are all shell.
    pub(crate) shell_tools: usize,
    /// Tool folders whose scripts are all Python (tests aside).
    pub(crate) python_tools: usize,
    /// Tool folders holding both.
    pub(crate) mixed_tools: usize,
}

impl Languages {
    pub(crate) fn of(repo: &Repo) -> Languages {
        let shell = |kind: FileKind| kind == FileKind::Shell;
        let python = |kind: FileKind| kind == FileKind::Python { test: false };
        let count =
            |of: &dyn Fn(FileKind) -> bool| repo.files.iter().filter(|f| of(f.kind)).count();
        let mut languages = Languages {
            shell_scripts: count(&shell),
            python_files: count(&python),
            ..Languages::default()
        };
        for tool in &repo.tools {
            let files = repo.files_below(&tool.path);
            let has = |of: &dyn Fn(FileKind) -> bool| files.iter().any(|f| of(f.kind));
            match (has(&shell), has(&python)) {
                (true, true) => languages.mixed_tools += 1,
                (true, false) => languages.shell_tools += 1,
                (false, true) => languages.python_tools += 1,
                (false, false) => {}
            }
        }
        languages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_scripts_and_tool_folders_by_language() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("net/backup/backup.sh", "echo\n"),
            ("net/backup/README.md", "# b\n"),
            ("net/ping/ping.py", "print()\n"),
            ("net/ping/test_ping.py", "def test(): pass\n"),
            ("net/sync/sync.py", "print()\n"),
            ("net/sync/wrapper", "#!/bin/bash\necho\n"),
            ("net/docs/README.md", "# d\n"),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let layout = crate::model::Layout {
            libraries: Vec::new(),
            not_domains: Vec::new(),
        };
        let repo = Repo::discover(dir.path(), &layout, 1);
        assert_eq!(
            Languages::of(&repo),
            Languages {
                shell_scripts: 2,
                python_files: 2,
                shell_tools: 1,
                python_tools: 1,
                mixed_tools: 1,
            }
        );
    }
}
