//! The one walk of a run: a parallel `ignore` walk that honours `.gitignore`
//! (with or without a `.git` folder), skips version control, virtualenvs and
//! caches, and classifies every file once.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::discover::file::{FileKind, RepoFile};
use crate::model::{Finding, Severity, Span, ToolId};

/// Folder names never worth entering: version control, caches, environments.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".cache",
    ".hg",
    ".svn",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "node_modules",
];

/// What the walk found: files (sorted by path) and paths it could not read.
pub(crate) struct WalkResult {
    pub(crate) files: Vec<RepoFile>,
    pub(crate) unreadable: Vec<Finding>,
}

pub(crate) fn walk(root: &Path, threads: usize) -> WalkResult {
    let files = Mutex::new(Vec::new());
    let unreadable = Mutex::new(Vec::new());
    WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|entry| !is_skipped_dir(entry))
        .build_parallel()
        .run(|| {
            // Each thread collects locally and merges once, when its visitor drops.
            let mut local = Collector {
                root,
                files: Vec::new(),
                unreadable: Vec::new(),
                sink_files: &files,
                sink_unreadable: &unreadable,
            };
            Box::new(move |entry| {
                local.visit(entry);
                WalkState::Continue
            })
        });
    let mut files = files.into_inner().expect("walk threads do not panic");
    files.sort_by(|a: &RepoFile, b| a.path.cmp(&b.path));
    let mut unreadable = unreadable.into_inner().expect("walk threads do not panic");
    crate::model::sort_findings(&mut unreadable);
    WalkResult { files, unreadable }
}

struct Collector<'a> {
    root: &'a Path,
    files: Vec<RepoFile>,
    unreadable: Vec<Finding>,
    sink_files: &'a Mutex<Vec<RepoFile>>,
    sink_unreadable: &'a Mutex<Vec<Finding>>,
}

impl Collector<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = error_path(&err)
                    .and_then(|p| relative(self.root, p))
                    .unwrap_or_default();
                self.unreadable.push(Finding::new(
                    ToolId::Builtin,
                    "OG001",
                    Severity::Error,
                    path,
                    Span::default(),
                    format!("cannot be read, so it is not checked: {err}"),
                ));
                return;
            }
        };
        if let Some(finding) = non_utf8_name(self.root, &entry) {
            self.unreadable.push(finding);
            return;
        }
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return;
        }
        let Some(path) = relative(self.root, entry.path()) else {
            // Inside a folder whose name is not UTF-8: that folder is reported.
            return;
        };
        let kind = classify(&path, entry.path());
        self.files.push(RepoFile { path, kind });
    }
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        self.sink_files
            .lock()
            .expect("walk threads do not panic")
            .append(&mut self.files);
        self.sink_unreadable
            .lock()
            .expect("walk threads do not panic")
            .append(&mut self.unreadable);
    }
}

fn is_skipped_dir(entry: &DirEntry) -> bool {
    if !entry.file_type().is_some_and(|t| t.is_dir()) || entry.depth() == 0 {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    SKIPPED_DIRS.contains(&name.as_ref())
        || name.ends_with(".egg-info")
        // Any virtualenv, whatever its name.
        || entry.path().join("pyvenv.cfg").is_file()
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// An OG001 finding for a file or folder whose own name is not UTF-8 (in a
/// folder whose name is): no tool or report could name it faithfully, so it
/// is not checked, and says so rather than being left out in silence.
fn non_utf8_name(root: &Path, entry: &DirEntry) -> Option<Finding> {
    if entry.depth() == 0 || entry.file_name().to_str().is_some() {
        return None;
    }
    let parent = entry.path().parent()?;
    let shown = match relative(root, parent) {
        Some(parent) => format!("{parent}/{}", entry.file_name().to_string_lossy()),
        None if parent == root => entry.file_name().to_string_lossy().into_owned(),
        None => return None,
    };
    Some(Finding::new(
        ToolId::Builtin,
        "OG001",
        Severity::Error,
        shown,
        Span::default(),
        "the name is not valid UTF-8, so it is not checked: rename it".to_owned(),
    ))
}

/// The repo-relative path with forward slashes; `None` for the root itself
/// or a name that is not valid UTF-8 (reported by the caller's tools as is).
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Classifies by name, and by shebang for files without an extension.
fn classify(rel: &str, abs: &Path) -> FileKind {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    if let Some(kind) = FileKind::from_name(rel, name, &lower) {
        return kind;
    }
    if !name.contains('.') {
        return match read_shebang(abs).as_deref().map(FileKind::from_shebang) {
            Some(Some(kind)) => kind,
            _ => FileKind::Other,
        };
    }
    FileKind::Other
}

fn read_shebang(path: &Path) -> Option<String> {
    let mut head = [0u8; 128];
    let mut file = File::open(path).ok()?;
    let read = file.read(&mut head).ok()?;
    let head = &head[..read];
    if !head.starts_with(b"#!") {
        return None;
    }
    let line = head.split(|&b| b == b'\n').next()?;
    Some(String::from_utf8_lossy(line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_forward_slashes() {
        let root = Path::new("/repo");
        assert_eq!(
            relative(root, Path::new("/repo/a/b.py")).as_deref(),
            Some("a/b.py")
        );
        assert_eq!(relative(root, Path::new("/repo")), None);
    }

    #[test]
    fn names_that_are_not_utf8_are_reported_once() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;

        let dir = tempfile::tempdir().unwrap();
        let bad = OsStr::from_bytes(b"bad\xff");
        std::fs::write(dir.path().join(bad).with_extension("py"), "x = 1\n").unwrap();
        std::fs::create_dir(dir.path().join(bad)).unwrap();
        std::fs::write(dir.path().join(bad).join("inner.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("good.py"), "x = 1\n").unwrap();
        let result = walk(dir.path(), 2);
        let paths: Vec<&str> = result.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["good.py"]);
        let reported: Vec<&str> = result.unreadable.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(reported, ["bad\u{fffd}", "bad\u{fffd}.py"]);
        assert!(result.unreadable.iter().all(|f| f.rule == "OG001"));
    }
}
