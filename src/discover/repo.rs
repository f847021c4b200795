//! The repository model every stage reads: the classified files of the one
//! walk, and what they add up to — domains, tool folders, shared libraries.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::file::{FileKind, RepoFile};
use super::walk;
use crate::discover::pytest_config::TestPatterns;
use crate::model::Finding;
use crate::model::Layout;

/// Whether the repository path `path` is `folder` or below it (`a/bc` is not
/// below `a/b`).
pub(crate) fn within(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A folder directly under a domain that holds at least one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolFolder {
    pub(crate) domain: String,
    pub(crate) path: String,
}

#[derive(Debug)]
pub(crate) struct Repo {
    pub(crate) root: PathBuf,
    pub(crate) files: Vec<RepoFile>,
    pub(crate) domains: Vec<String>,
    pub(crate) tools: Vec<ToolFolder>,
    /// Folders (relative) that go on the import path of the tools.
    pub(crate) import_roots: Vec<String>,
    /// Paths the walk could not read, as findings.
    pub(crate) unreadable: Vec<Finding>,
    /// Only a shard's part of the files: cross-file checks run separately.
    pub(crate) partial: bool,
}

impl Repo {
    pub(crate) fn discover(root: &Path, layout: &Layout, threads: usize) -> Repo {
        let walked = walk::walk(root, threads);
        let model = Model::build(&walked.files, layout);
        Repo {
            root: root.to_path_buf(),
            files: walked.files,
            domains: model.domains,
            tools: model.tools,
            import_roots: model.import_roots,
            unreadable: walked.unreadable,
            partial: false,
        }
    }

    /// The files below `folder` (every file for the root, `""`): a range of
    /// the sorted files found by binary search, where a scan per folder
    /// would be quadratic in a repository of thousands of tool folders.
    pub(crate) fn files_below(&self, folder: &str) -> &[RepoFile] {
        if folder.is_empty() {
            return &self.files;
        }
        let below = format!("{folder}/");
        // '0' follows '/': the first path past every one below the folder.
        let past = format!("{folder}0");
        let start = self
            .files
            .partition_point(|f| f.path.as_str() < below.as_str());
        let end = self
            .files
            .partition_point(|f| f.path.as_str() < past.as_str());
        &self.files[start..end.max(start)]
    }

    /// The tool folder `path` is in (or is). Tool folders are the second
    /// level below a domain, kept in (domain, path) order: one binary
    /// search, where a scan of every tool per file is quadratic.
    pub(crate) fn tool_of(&self, path: &str) -> Option<&ToolFolder> {
        let mut parts = path.splitn(3, '/');
        let (Some(top), Some(second)) = (parts.next(), parts.next()) else {
            return None;
        };
        let folder = &path[..top.len() + 1 + second.len()];
        self.tools
            .binary_search_by(|tool| (tool.domain.as_str(), tool.path.as_str()).cmp(&(top, folder)))
            .ok()
            .map(|index| &self.tools[index])
    }

    /// The same repository with only the files `keep` accepts, for the
    /// tools of one shard; the model (domains, tools, import roots) is the
    /// whole repository's.
    pub(crate) fn part(&self, keep: impl Fn(&str) -> bool) -> Repo {
        Repo {
            root: self.root.clone(),
            files: self
                .files
                .iter()
                .filter(|f| keep(&f.path))
                .cloned()
                .collect(),
            domains: self.domains.clone(),
            tools: self.tools.clone(),
            import_roots: self.import_roots.clone(),
            unreadable: Vec::new(),
            partial: true,
        }
    }

    /// Marks as tests the Python files pytest's `python_files` names (the
    /// walk knows only pytest's defaults).
    pub(crate) fn apply_test_patterns(&mut self, patterns: &TestPatterns) {
        for file in &mut self.files {
            if let FileKind::Python { test } = &mut file.kind {
                *test = patterns.is_test(&file.path);
            }
        }
    }

    pub(crate) fn python_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.files.iter().filter(|f| f.kind.is_python())
    }

    pub(crate) fn test_files(&self) -> impl Iterator<Item = &RepoFile> {
        self.files
            .iter()
            .filter(|f| f.kind == FileKind::Python { test: true })
    }

    pub(crate) fn manifests(&self) -> impl Iterator<Item = &RepoFile> {
        self.files.iter().filter(|f| f.kind == FileKind::Manifest)
    }
}

struct Model {
    domains: Vec<String>,
    tools: Vec<ToolFolder>,
    import_roots: Vec<String>,
}

impl Model {
    fn build(files: &[RepoFile], layout: &Layout) -> Model {
        let top_level_packages: BTreeSet<&str> = files
            .iter()
            .filter_map(|f| f.path.strip_suffix("/__init__.py"))
            .filter(|dir| !dir.contains('/'))
            .collect();
        let is_library = |top: &str| {
            layout.libraries.iter().any(|l| l == top) || top_level_packages.contains(top)
        };

        let mut domains = BTreeSet::new();
        let mut tools = BTreeSet::new();
        let mut import_roots = BTreeSet::new();
        for file in files {
            let mut parts = file.path.split('/');
            let (Some(top), Some(second)) = (parts.next(), parts.next()) else {
                continue; // a file at the root
            };
            let nested = parts.next().is_some();
            if top_level_packages.contains(top) {
                import_roots.insert(String::new());
            } else if is_library(top) && file.kind.is_python() {
                import_roots.insert(top.to_owned());
            }
            let is_domain = file.kind.is_script()
                && !is_library(top)
                && !top.starts_with('.')
                && !layout.not_domains.iter().any(|d| d == top);
            if is_domain {
                domains.insert(top.to_owned());
                if nested {
                    tools.insert((top.to_owned(), format!("{top}/{second}")));
                }
            }
        }
        Model {
            domains: domains.into_iter().collect(),
            tools: tools
                .into_iter()
                .map(|(domain, path)| ToolFolder { domain, path })
                .collect(),
            import_roots: import_roots.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> RepoFile {
        let name = path.rsplit('/').next().unwrap();
        RepoFile {
            path: path.to_owned(),
            kind: FileKind::from_name(path, name, &name.to_ascii_lowercase())
                .unwrap_or(FileKind::Other),
        }
    }

    fn layout() -> Layout {
        Layout {
            libraries: vec!["lib".into()],
            not_domains: vec!["tests".into(), "docs".into()],
        }
    }

    #[test]
    fn files_below_a_folder_are_exactly_those_under_it() {
        let mut files: Vec<RepoFile> = [
            "net/tool",
            "net/tool-2/a.py",
            "net/tool.x/b.py",
            "net/tool/a.py",
            "net/tool/sub/c.py",
            "net/tool0/d.py",
            "net/toolbox/e.py",
            "net/too/f.py",
        ]
        .into_iter()
        .map(file)
        .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let repo = Repo {
            root: PathBuf::new(),
            files,
            domains: Vec::new(),
            tools: Vec::new(),
            import_roots: Vec::new(),
            unreadable: Vec::new(),
            partial: false,
        };
        let below = |folder: &str| -> Vec<&str> {
            repo.files_below(folder)
                .iter()
                .map(|f| f.path.as_str())
                .collect()
        };
        let scanned = |folder: &str| -> Vec<&str> {
            repo.files
                .iter()
                .map(|f| f.path.as_str())
                .filter(|p| p.starts_with(&format!("{folder}/")))
                .collect()
        };
        assert_eq!(below("net/tool"), ["net/tool/a.py", "net/tool/sub/c.py"]);
        for folder in ["net", "net/tool-2", "net/tool.x", "net/tool0", "net/t", "x"] {
            assert_eq!(below(folder), scanned(folder), "{folder}");
        }
        assert_eq!(below("").len(), repo.files.len());
    }

    #[test]
    fn domains_tools_and_libraries_follow_the_layout() {
        let files: Vec<RepoFile> = [
            "CODEOWNERS",
            "setup.py",
            "lib/opslib/__init__.py",
            "lib/opslib/auth.py",
            "networking/dns-check/dns_check.py",
            "networking/dns-check/README.md",
            "networking/loose.py",
            "database-management/backup/run.sh",
            "database-management/notes/README.md",
            "tests/test_all.py",
            "sharedpkg/__init__.py",
            "sharedpkg/util.py",
        ]
        .into_iter()
        .map(file)
        .collect();
        let model = Model::build(&files, &layout());
        assert_eq!(model.domains, ["database-management", "networking"]);
        let tools: Vec<&str> = model.tools.iter().map(|t| t.path.as_str()).collect();
        assert_eq!(
            tools,
            ["database-management/backup", "networking/dns-check"]
        );
        assert_eq!(model.import_roots, ["", "lib"]);
    }

    #[test]
    fn the_tool_of_a_path_is_the_one_a_scan_finds() {
        let files: Vec<RepoFile> = [
            "a/x/run.py",
            "a/x-y/run.py",
            "a-b/x/run.py",
            "a.b/x/run.py",
            "a/loose.py",
            "lib/opslib/__init__.py",
            "net/dns/sub/deep.py",
            "net/dns/README.md",
        ]
        .into_iter()
        .map(file)
        .collect();
        let model = Model::build(&files, &layout());
        let repo = Repo {
            root: PathBuf::new(),
            files,
            domains: model.domains,
            tools: model.tools,
            import_roots: model.import_roots,
            unreadable: Vec::new(),
            partial: false,
        };
        assert_eq!(repo.tools.len(), 5);
        let scanned = |path: &str| repo.tools.iter().find(|tool| within(path, &tool.path));
        for path in [
            "a/x/run.py",
            "a/x-y/run.py",
            "a/x-y",
            "a-b/x/new.py",
            "a.b/x/run.py",
            "a/loose.py",
            "a/xy/run.py",
            "a",
            "",
            "lib/opslib/__init__.py",
            "net/dns/sub/deep.py",
            "net/dns/README.md",
            "net/dn/x.py",
        ] {
            assert_eq!(repo.tool_of(path), scanned(path), "{path}");
        }
    }

    #[test]
    fn within_means_the_folder_or_below_it() {
        assert!(within("a/b", "a/b"));
        assert!(within("a/b/c.py", "a/b"));
        assert!(!within("a/bc/d.py", "a/b"));
        assert!(!within("a", "a/b"));
    }

    #[test]
    fn classifies_by_name() {
        assert_eq!(file("a/test_x.py").kind, FileKind::Python { test: true });
        assert_eq!(file("a/x_test.py").kind, FileKind::Python { test: true });
        assert_eq!(file("a/x.py").kind, FileKind::Python { test: false });
        assert_eq!(file("a/requirements-dev.txt").kind, FileKind::Manifest);
        assert_eq!(file(".github/CODEOWNERS").kind, FileKind::Codeowners);
        assert_eq!(file("a/b/CODEOWNERS").kind, FileKind::Other);
        assert_eq!(file("a/README.md").kind, FileKind::Readme);
    }

    #[test]
    fn classifies_by_shebang() {
        assert_eq!(
            FileKind::from_shebang("#!/usr/bin/env python3"),
            Some(FileKind::Python { test: false })
        );
        assert_eq!(
            FileKind::from_shebang("#!/usr/bin/python3.11 -u"),
            Some(FileKind::Python { test: false })
        );
        assert_eq!(
            FileKind::from_shebang("#!/usr/bin/env -S bash -e"),
            Some(FileKind::Shell)
        );
        assert_eq!(FileKind::from_shebang("#!/usr/bin/perl"), None);
    }
}
