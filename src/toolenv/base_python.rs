//! The interpreter the managed environment is built from. When opsgate was
//! installed into a virtual environment (`pip install opsgate`, `pipx`,
//! `uvx`), that environment's interpreter is the natural one: it exists
//! wherever opsgate does, even on a machine with no `python3` on `PATH`.
//! The order: `$OPSGATE_BASE_PYTHON`, the interpreter beside the opsgate
//! executable in a virtual environment's `bin/`, then `python3` on `PATH`.
//! (`--python` and `python =` skip the managed environment altogether.)

use std::path::{Path, PathBuf};

/// An interpreter to build from, and why it is the one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BasePython {
    pub(crate) path: PathBuf,
    pub(crate) why: &'static str,
}

pub(crate) fn base_python() -> BasePython {
    if let Some(path) = crate::environment::snapshot()
        .os("OPSGATE_BASE_PYTHON")
        .filter(|p| !p.is_empty())
    {
        return BasePython {
            path: PathBuf::from(path),
            why: "$OPSGATE_BASE_PYTHON",
        };
    }
    // The executable's real path: a `pipx` link on PATH leads into its venv.
    if let Some(path) = std::env::current_exe().ok().and_then(|exe| beside(&exe)) {
        return BasePython {
            path,
            why: "the virtual environment opsgate is installed in",
        };
    }
    BasePython {
        path: PathBuf::from("python3"),
        why: "`python3` on PATH",
    }
}

/// `python` (else `python3`) in the folder of `exe`, when that folder is a
/// virtual environment's `bin/`: its parent holds `pyvenv.cfg`.
fn beside(exe: &Path) -> Option<PathBuf> {
    let bin = exe.parent()?;
    if !bin.parent()?.join("pyvenv.cfg").is_file() {
        return None;
    }
    ["python", "python3"]
        .iter()
        .map(|name| bin.join(name))
        .find(|python| python.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpreter_beside_the_executable_counts_only_in_a_virtual_environment() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let exe = bin.join("opsgate");
        std::fs::write(&exe, "").unwrap();
        std::fs::write(bin.join("python3"), "").unwrap();
        // No pyvenv.cfg: a folder like /usr/local/bin, whose python is not ours to pick.
        assert_eq!(beside(&exe), None);
        std::fs::write(dir.path().join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        assert_eq!(beside(&exe), Some(bin.join("python3")));
        std::fs::write(bin.join("python"), "").unwrap();
        assert_eq!(beside(&exe), Some(bin.join("python")));
        std::fs::remove_file(bin.join("python")).unwrap();
        std::fs::remove_file(bin.join("python3")).unwrap();
        assert_eq!(beside(&exe), None);
    }
}
