//! What every rule reads: the repository model of the one walk, the text of
//! each file a rule needs (read once, in parallel, before any rule runs) and
//! each tool's README outline and metadata (parsed once).

use std::collections::HashMap;

use rayon::prelude::*;

use super::metadata::{self, FrontMatter, ToolMetadata};
use super::readme::{self, Flavor, Heading};
use super::source::{self, Source};
use crate::discover::file::{FileKind, RepoFile};
use crate::discover::repo::{Repo, ToolFolder};
use crate::git::ChangeSet;
use crate::model::Coverage;

/// A tool folder with what the rules know about it.
#[derive(Debug)]
pub(crate) struct Tool<'a> {
    pub(crate) folder: &'a ToolFolder,
    /// The files below the folder, found once (`Workspace::files_below`).
    pub(crate) files: &'a [RepoFile],
    /// The README directly in the folder, with its outline.
    pub(crate) readme: Option<Readme<'a>>,
}

impl Tool<'_> {
    /// `user-provisioning/onboard-user`.
    pub(crate) fn path(&self) -> &str {
        &self.folder.path
    }

    pub(crate) fn metadata(&self) -> ToolMetadata {
        self.readme
            .as_ref()
            .map(|r| r.front.metadata.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug)]
pub(crate) struct Readme<'a> {
    pub(crate) path: &'a str,
    pub(crate) headings: Vec<Heading>,
    pub(crate) front: FrontMatter,
}

pub(crate) struct Workspace<'a> {
    pub(crate) repo: &'a Repo,
    /// The text of each of `repo.files`, by index: `None` for `Other` files
    /// and those that could not be read.
    sources: Vec<Option<Source>>,
    /// The index in `repo.files` of each file that was read.
    index: HashMap<&'a str, usize>,
    tools: Vec<Tool<'a>>,
    /// Files the rules wanted but could not read: (path, reason).
    pub(crate) unreadable: Vec<(String, String)>,
    /// What the tests executed, when coverage was measured.
    pub(crate) coverage: Option<&'a Coverage>,
    /// Under `--new-only`: what changed since the merge base.
    pub(crate) changes: Option<&'a ChangeSet>,
    /// Only a shard's part of the tests ran (and measured coverage).
    pub(crate) partial_tests: bool,
}

impl<'a> Workspace<'a> {
    /// Reads every script, README, manifest and CODEOWNERS file once.
    pub(crate) fn load(repo: &'a Repo) -> Workspace<'a> {
        Workspace::load_from(repo, Vec::new())
    }

    /// As `load`, taking each file's bytes from `read` (by index in
    /// `repo.files`) where the run already read them, from the disk where
    /// not (a file that could not be read is read again, for the reason).
    pub(crate) fn load_from(repo: &'a Repo, mut read: Vec<Option<Vec<u8>>>) -> Workspace<'a> {
        read.resize(repo.files.len(), None);
        let results: Vec<Option<Result<Source, String>>> = repo
            .files
            .par_iter()
            .zip(read)
            .map(|(f, bytes)| {
                (f.kind != FileKind::Other).then(|| match bytes {
                    Some(bytes) => Ok(source::decode(bytes)),
                    None => source::read(&repo.root.join(&f.path)).map_err(|e| format!("{e:#}")),
                })
            })
            .collect();
        let mut sources = Vec::with_capacity(results.len());
        let mut index = HashMap::new();
        let mut unreadable = Vec::new();
        for (i, (file, result)) in repo.files.iter().zip(results).enumerate() {
            sources.push(match result {
                Some(Ok(source)) => {
                    index.insert(file.path.as_str(), i);
                    Some(source)
                }
                Some(Err(reason)) => {
                    unreadable.push((file.path.clone(), reason));
                    None
                }
                None => None,
            });
        }
        let mut ws = Workspace {
            repo,
            sources,
            index,
            tools: Vec::new(),
            unreadable,
            coverage: None,
            changes: None,
            partial_tests: false,
        };
        // Each README's outline and front matter, in parallel: thousands of
        // tool folders in a large repository.
        ws.tools = repo
            .tools
            .par_iter()
            .map(|folder| {
                // A tool folder is two levels down, never the root.
                let files = repo.files_below(&folder.path);
                Tool {
                    folder,
                    files,
                    readme: ws.readme_of(folder, files),
                }
            })
            .collect();
        ws
    }

    /// The text of a file the walk classified as anything but `Other`;
    /// `None` for binary or unreadable files.
    pub(crate) fn text(&self, path: &str) -> Option<&str> {
        let &i = self.index.get(path)?;
        self.sources[i].as_ref().and_then(Source::text)
    }

    /// Every file read, with its text (binary ones left out), in path order.
    pub(crate) fn texts(&self) -> impl Iterator<Item = (&'a RepoFile, &str)> {
        self.repo
            .files
            .iter()
            .zip(&self.sources)
            .filter_map(|(file, source)| Some((file, source.as_ref()?.text()?)))
    }

    pub(crate) fn files_of(
        &self,
        kind: impl Fn(FileKind) -> bool,
    ) -> impl Iterator<Item = &'a RepoFile> {
        self.repo.files.iter().filter(move |f| kind(f.kind))
    }

    /// Scripts (Python and shell) with their text.
    pub(crate) fn scripts(&self) -> impl Iterator<Item = (&'a RepoFile, &str)> {
        self.texts().filter(|(file, _)| file.kind.is_script())
    }

    /// Every tool folder, with its README parsed.
    pub(crate) fn tools(&self) -> &[Tool<'a>] {
        &self.tools
    }

    fn readme_of(&self, folder: &ToolFolder, files: &'a [RepoFile]) -> Option<Readme<'a>> {
        let candidates = files.iter().filter(|f| {
            f.kind == FileKind::Readme
                && f.path.rsplit_once('/').map(|(dir, _)| dir) == Some(folder.path.as_str())
        });
        // README.md before .rst before .txt before anything else.
        let file = candidates.min_by_key(|f| {
            let lower = f.path.to_ascii_lowercase();
            ["md", "rst", "txt"]
                .iter()
                .position(|ext| lower.ends_with(&format!(".{ext}")))
                .unwrap_or(3)
        })?;
        let text = self.text(&file.path).unwrap_or("");
        let front = metadata::parse(text);
        let headings = readme::outline(text, Flavor::of(&file.path), front.lines);
        Some(Readme {
            path: &file.path,
            headings,
            front,
        })
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds a workspace from files in a temporary folder, for rule tests.

    use std::path::Path;

    use crate::discover::repo::Repo;
    use crate::model::Layout;

    /// Writes `files` under a new temporary folder and discovers it.
    pub(crate) fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        let repo = Repo::discover(Path::new(dir.path()), &layout(), 1);
        (dir, repo)
    }

    /// The default layout.
    pub(crate) fn layout() -> Layout {
        Layout {
            libraries: vec!["lib".into()],
            not_domains: vec![
                "tests".into(),
                "docs".into(),
                ".github".into(),
                ".gitlab".into(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules see the same text whether the run's key read gave it or
    /// the disk: binary files, invalid UTF-8, a byte-order mark, a file
    /// past the cap, and one that could not be read.
    #[test]
    fn bytes_read_for_the_keys_give_the_rules_what_the_disk_gives() {
        let huge = format!("# big\n{}", "x = 1\n".repeat(400_000));
        let (dir, _) = testing::repo(&[
            ("net/tool/run.py", "import os\n"),
            ("net/tool/README.md", "\u{feff}# Tool\n## Purpose\n"),
            ("net/tool/blob.py", "\0\0binary"),
            ("net/tool/huge.py", &huge),
            ("net/tool/requirements.txt", "requests==2.0\n"),
            ("net/tool/data.bin", "not read by the rules"),
            ("net/tool/gone.py", "print(1)\n"),
        ]);
        std::fs::write(dir.path().join("net/tool/latin.py"), b"s = '\xe9'\n").unwrap();
        let repo = Repo::discover(dir.path(), &testing::layout(), 1);
        let mut read = crate::runners::KeyInputs::compute(&repo).for_rules;
        assert!(read.iter().filter(|bytes| bytes.is_some()).count() >= 6);
        // A file the key read missed is read from the disk, for the reason.
        let gone = repo
            .files
            .iter()
            .position(|f| f.path == "net/tool/gone.py")
            .unwrap();
        read[gone] = None;
        std::fs::remove_file(dir.path().join("net/tool/gone.py")).unwrap();
        let from_disk = Workspace::load(&repo);
        let from_keys = Workspace::load_from(&repo, read);
        assert_eq!(from_keys.sources, from_disk.sources);
        assert_eq!(from_keys.unreadable, from_disk.unreadable);
        assert_eq!(from_keys.unreadable.len(), 1);
        assert!(
            from_keys
                .text("net/tool/latin.py")
                .unwrap()
                .contains('\u{fffd}')
        );
        assert!(from_keys.text("net/tool/blob.py").is_none());
    }
}
