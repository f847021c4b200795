//! What changed since a base: the merge base of `HEAD` and a base ref, and
//! the files changed since it — committed, staged, unstaged and untracked
//! (not ignored) — with the line numbers of the working tree that are new.
//! `--new-only` and `--changed` read this; nothing here writes to the
//! repository or its `.git` (a shallow clone is reported, never deepened:
//! fetching is the pipeline's job, and opsgate stays read-only).
//!
//! git runs through `process::git` (an argument vector, no shell, a
//! timeout, no pager or prompt, nothing of the repository's configuration
//! executed), with options that override any user configuration that would
//! change its output (external diff, textconv, colour, prefixes, relative
//! paths).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod command;
mod parse;

use anyhow::{Result, bail};

use command::Git;
use parse::{parse_hunks, parse_name_status, split_nul};

/// Where the base ref came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseOrigin {
    /// `--base REF`.
    Flag,
    /// GitHub Actions `GITHUB_BASE_REF` (a pull request's target branch).
    GitHub,
    /// GitLab `CI_MERGE_REQUEST_DIFF_BASE_SHA`.
    GitLab,
    /// The current branch's upstream, `@{upstream}`.
    Upstream,
}

/// The ref the change set is computed against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseRef {
    pub(crate) name: String,
    pub(crate) origin: BaseOrigin,
}

impl BaseRef {
    /// The base in this order: `--base`, GitHub's `GITHUB_BASE_REF` (as
    /// `origin/<ref>`), GitLab's `CI_MERGE_REQUEST_DIFF_BASE_SHA`, the
    /// upstream of the current branch.
    ///
    /// # Errors
    /// None of them is available (e.g. a detached HEAD outside a merge
    /// request pipeline); the message says how to name one.
    pub(crate) fn resolve(explicit: Option<&str>, root: &Path) -> Result<BaseRef> {
        Self::resolve_with(explicit, root, |name| {
            crate::environment::snapshot()
                .os(name)
                .map(|v| v.to_string_lossy().into_owned())
        })
    }

    fn resolve_with(
        explicit: Option<&str>,
        root: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<BaseRef> {
        let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        if let Some(name) = explicit {
            if name.trim().is_empty() {
                bail!("--base needs a ref (a branch, tag or commit), e.g. --base origin/main");
            }
            return Ok(BaseRef {
                name: name.to_owned(),
                origin: BaseOrigin::Flag,
            });
        }
        if let Some(branch) = var("GITHUB_BASE_REF") {
            return Ok(BaseRef {
                name: format!("origin/{}", branch.trim()),
                origin: BaseOrigin::GitHub,
            });
        }
        if let Some(sha) = var("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
            return Ok(BaseRef {
                name: sha.trim().to_owned(),
                origin: BaseOrigin::GitLab,
            });
        }
        let git = Git::new(root);
        git.ensure_work_tree()?;
        let upstream = git.output(&[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ])?;
        if upstream.status.success() {
            let name = String::from_utf8_lossy(&upstream.stdout).trim().to_owned();
            if !name.is_empty() {
                return Ok(BaseRef {
                    name,
                    origin: BaseOrigin::Upstream,
                });
            }
        }
        let detached = !git
            .output(&["symbolic-ref", "--quiet", "HEAD"])?
            .status
            .success();
        bail!(
            "no base to compare with: pass --base REF (e.g. --base origin/main); outside a \
             GitHub pull request (GITHUB_BASE_REF) or a GitLab merge request pipeline \
             (CI_MERGE_REQUEST_DIFF_BASE_SHA) opsgate uses the upstream branch, and {}",
            if detached {
                "HEAD is detached, so it has none".to_owned()
            } else {
                format!(
                    "the current branch has none in `{}` (set one with \
                     `git branch --set-upstream-to origin/main`)",
                    root.display()
                )
            }
        )
    }
}

/// The lines of a file that are new in the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChangedLines {
    /// Every line (an untracked file, or no base at all).
    All,
    /// Inclusive 1-based ranges, sorted; empty for a file that only moved or
    /// lost lines.
    Ranges(Vec<(u32, u32)>),
}

impl ChangedLines {
    /// Whether any line of `first..=last` is new.
    pub(crate) fn touches(&self, first: u32, last: u32) -> bool {
        match self {
            ChangedLines::All => true,
            ChangedLines::Ranges(ranges) => ranges
                .iter()
                .any(|&(start, end)| start <= last && first <= end),
        }
    }
}

/// One file of the working tree that differs from the merge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangedFile {
    /// Not in the merge base under this or another name.
    pub(crate) new_file: bool,
    /// The path at the merge base of a renamed or moved file, relative to the
    /// checked root (with `../` when it came from outside it).
    pub(crate) old_path: Option<String>,
    pub(crate) lines: ChangedLines,
}

/// The files and lines changed since the merge base of `HEAD` and a base,
/// keyed by path relative to the checked root (forward slashes, as `Repo`
/// stores them). Files outside the checked root are left out.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangeSet {
    /// The commit compared with; `None` when there is no history to compare
    /// with (no commit yet), so that everything is new.
    pub(crate) merge_base: Option<String>,
    files: BTreeMap<String, ChangedFile>,
    /// Files and folders at the merge base, relative to the checked root.
    old_paths: BTreeSet<String>,
}

impl ChangeSet {
    /// The change set of the work tree holding `root` against `base`.
    ///
    /// # Errors
    /// `root` is not in a git work tree, git is missing or fails, the base is
    /// unknown, or the history holding the merge base was not fetched (a
    /// shallow clone); each message says how to fix it.
    pub(crate) fn since(root: &Path, base: &BaseRef) -> Result<ChangeSet> {
        let git = Git::new(root);
        let prefix = git.ensure_work_tree()?;
        if !git.has_commit("HEAD")? || is_null_sha(&base.name) {
            // No commit yet, or a base that says "no history" (GitLab's
            // all-zero SHA for a new branch): every file is new.
            return ChangeSet::everything_new(&git);
        }
        let merge_base = git.merge_base(base)?;
        let mut files = BTreeMap::new();
        let hunks = parse_hunks(&git.run(&[
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=dirty",
            "--no-relative",
            "--find-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &merge_base,
            "--",
        ])?);
        let statuses = git.run(&[
            "diff",
            "--name-status",
            "-z",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=dirty",
            "--no-relative",
            "--find-renames",
            &merge_base,
            "--",
        ])?;
        for entry in parse_name_status(&statuses)? {
            let Some(path) = entry.path.strip_prefix(prefix.as_str()) else {
                continue;
            };
            if entry.status == 'D' {
                continue;
            }
            let lines = ChangedLines::Ranges(hunks.get(&entry.path).cloned().unwrap_or_default());
            files.insert(
                path.to_owned(),
                ChangedFile {
                    new_file: entry.status == 'A',
                    old_path: entry.old_path.map(|old| relative_to(&prefix, &old)),
                    lines,
                },
            );
        }
        for path in git.untracked()? {
            files.insert(path, ChangedFile::untracked());
        }
        let mut old_paths = BTreeSet::new();
        for path in split_nul(&git.run(&[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            "--full-tree",
            &merge_base,
        ])?) {
            let Some(path) = path.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let mut folder = path;
            while let Some((parent, _)) = folder.rsplit_once('/') {
                if !old_paths.insert(parent.to_owned()) {
                    break;
                }
                folder = parent;
            }
            old_paths.insert(path.to_owned());
        }
        Ok(ChangeSet {
            merge_base: Some(merge_base),
            files,
            old_paths,
        })
    }

    fn everything_new(git: &Git) -> Result<ChangeSet> {
        let listed = git.run(&[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])?;
        let files = split_nul(&listed)
            .map(|path| (path.to_owned(), ChangedFile::untracked()))
            .collect();
        Ok(ChangeSet {
            merge_base: None,
            files,
            old_paths: BTreeSet::new(),
        })
    }

    /// Every changed file still present in the working tree, by path.
    pub(crate) fn files(&self) -> impl Iterator<Item = (&str, &ChangedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    pub(crate) fn file(&self, path: &str) -> Option<&ChangedFile> {
        self.files.get(path)
    }

    /// Whether any of the lines `first..=last` of `path` is new.
    pub(crate) fn touches(&self, path: &str, first: u32, last: u32) -> bool {
        self.files
            .get(path)
            .is_some_and(|file| file.lines.touches(first, last))
    }

    /// Whether a file or folder is new: a changed file added since the merge
    /// base, or a path (file or folder) that did not exist there. A path
    /// that does not exist now (a missing README) is new when its folder is.
    pub(crate) fn is_new_path(&self, path: &str) -> bool {
        if self.merge_base.is_none() {
            return true;
        }
        let path = path.trim_end_matches('/');
        if let Some(file) = self.files.get(path) {
            return file.new_file;
        }
        if path.is_empty() || self.old_paths.contains(path) {
            return self.old_paths.is_empty();
        }
        // Git holds no empty folders: a folder of the working tree that was
        // not at the merge base holds a changed file.
        let folder = format!("{path}/");
        let is_folder = self
            .files
            .range(folder.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&folder));
        if is_folder {
            return true;
        }
        // A file that is not there: new when its folder is.
        self.is_new_path(path.rsplit_once('/').map_or("", |(parent, _)| parent))
    }
}

impl ChangedFile {
    fn untracked() -> ChangedFile {
        ChangedFile {
            new_file: true,
            old_path: None,
            lines: ChangedLines::All,
        }
    }
}

/// GitLab and GitHub name "no previous commit" with forty zeros.
fn is_null_sha(name: &str) -> bool {
    name.len() >= 40 && name.bytes().all(|b| b == b'0')
}

/// `path` (relative to the top of the work tree) relative to `prefix` (the
/// checked root, relative to the top, with a trailing `/` unless empty).
fn relative_to(prefix: &str, path: &str) -> String {
    if let Some(inside) = path.strip_prefix(prefix) {
        return inside.to_owned();
    }
    let mut base: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
    let mut rest = path;
    // Climb until the remaining prefix is an ancestor of `path`.
    let mut ups = 0;
    while !base.is_empty() {
        let joined = format!("{}/", base.join("/"));
        if let Some(inside) = path.strip_prefix(joined.as_str()) {
            rest = inside;
            break;
        }
        base.pop();
        ups += 1;
    }
    format!("{}{rest}", "../".repeat(ups))
}

#[cfg(test)]
mod tests {
    use super::parse::hunk_new_range;
    use super::*;
    use std::fs;
    use std::path::PathBuf;
    use std::process::Command;

    /// A real repository in a temporary folder, with its own identity.
    struct TestRepo {
        dir: tempfile::TempDir,
    }

    impl TestRepo {
        fn new() -> TestRepo {
            let dir = tempfile::tempdir().unwrap();
            let repo = TestRepo { dir };
            repo.git(&["init", "--quiet", "--initial-branch=main"]);
            repo
        }

        fn root(&self) -> PathBuf {
            self.dir.path().to_path_buf()
        }

        fn git(&self, args: &[&str]) -> String {
            let output = Command::new("git")
                .arg("-C")
                .arg(self.dir.path())
                .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
                .args(["-c", "commit.gpgsign=false"])
                .args(args)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        }

        fn write(&self, path: &str, content: &str) {
            let path = self.dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }

        fn commit(&self, message: &str) {
            self.git(&["add", "--all"]);
            self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        }
    }

    fn base(name: &str) -> BaseRef {
        BaseRef {
            name: name.to_owned(),
            origin: BaseOrigin::Flag,
        }
    }

    fn numbered(lines: std::ops::RangeInclusive<u32>) -> String {
        lines.fold(String::new(), |mut text, n| {
            text.push_str("line ");
            text.push_str(&n.to_string());
            text.push('\n');
            text
        })
    }

    #[test]
    fn committed_staged_unstaged_and_untracked_changes_are_all_seen() {
        let repo = TestRepo::new();
        repo.write("a.py", &numbered(1..=10));
        repo.write("b.py", &numbered(1..=3));
        repo.write("c.py", &numbered(1..=3));
        repo.write(".gitignore", "ignored.py\n");
        repo.commit("base");
        repo.git(&["switch", "--quiet", "--create", "feature"]);
        // Committed: line 3 changed, two lines inserted after line 7.
        let mut a = numbered(1..=10).replace("line 3\n", "line three\n");
        a = a.replace("line 7\n", "line 7\nnew a\nnew b\n");
        repo.write("a.py", &a);
        repo.commit("feature");
        // Staged, and unstaged.
        repo.write("b.py", "line 1\nstaged\nline 3\n");
        repo.git(&["add", "b.py"]);
        repo.write("c.py", "line 1\nline 2\nline 3\nunstaged\n");
        repo.write("new.py", "x = 1\n");
        repo.write("ignored.py", "x = 1\n");

        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        let a = changes.file("a.py").unwrap();
        assert_eq!(a.lines, ChangedLines::Ranges(vec![(3, 3), (8, 9)]));
        assert!(!a.new_file);
        assert!(changes.touches("a.py", 8, 8));
        assert!(!changes.touches("a.py", 4, 7));
        assert!(changes.touches("b.py", 2, 2));
        assert!(changes.touches("c.py", 4, 4));
        assert!(!changes.touches("c.py", 1, 3));
        let new = changes.file("new.py").unwrap();
        assert!(new.new_file);
        assert_eq!(new.lines, ChangedLines::All);
        assert!(changes.file("ignored.py").is_none());
        assert!(changes.file(".gitignore").is_none());
    }

    #[test]
    fn the_merge_base_is_the_fork_point_not_the_tip_of_the_base() {
        let repo = TestRepo::new();
        repo.write("a.py", &numbered(1..=3));
        repo.commit("base");
        repo.git(&["switch", "--quiet", "--create", "feature"]);
        repo.write("f.py", "x = 1\n");
        repo.commit("feature");
        repo.git(&["switch", "--quiet", "main"]);
        repo.write("a.py", &numbered(1..=4));
        repo.commit("main moves on");
        repo.git(&["switch", "--quiet", "feature"]);
        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        let paths: Vec<&str> = changes.files().map(|(p, _)| p).collect();
        assert_eq!(paths, ["f.py"]);
    }

    #[test]
    fn a_moved_file_keeps_its_lines_old_and_names_its_old_path() {
        let repo = TestRepo::new();
        repo.write("old/tool.py", &numbered(1..=20));
        repo.write("edited/tool.py", &numbered(101..=120));
        repo.commit("base");
        fs::create_dir_all(repo.root().join("moved")).unwrap();
        fs::create_dir_all(repo.root().join("renamed")).unwrap();
        repo.git(&["mv", "old/tool.py", "moved/tool.py"]);
        repo.git(&["mv", "edited/tool.py", "renamed/tool.py"]);
        repo.write(
            "renamed/tool.py",
            &numbered(101..=120).replace("line 105\n", "line five\n"),
        );
        repo.git(&["add", "--all"]);

        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        let moved = changes.file("moved/tool.py").unwrap();
        assert_eq!(moved.old_path.as_deref(), Some("old/tool.py"));
        assert!(!moved.new_file);
        assert_eq!(moved.lines, ChangedLines::Ranges(Vec::new()));
        let renamed = changes.file("renamed/tool.py").unwrap();
        assert_eq!(renamed.old_path.as_deref(), Some("edited/tool.py"));
        assert_eq!(renamed.lines, ChangedLines::Ranges(vec![(5, 5)]));
        assert!(changes.file("old/tool.py").is_none());
        assert!(!changes.is_new_path("moved/tool.py"));
        assert!(changes.is_new_path("moved"));
        assert!(!changes.is_new_path("old"));
    }

    #[test]
    fn new_folders_and_missing_files_in_them_are_new() {
        let repo = TestRepo::new();
        repo.write("net/old/tool.py", "x = 1\n");
        repo.commit("base");
        repo.write("net/fresh/tool.py", "x = 1\n");
        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        assert!(changes.is_new_path("net/fresh"));
        assert!(changes.is_new_path("net/fresh/README.md"));
        assert!(!changes.is_new_path("net/old"));
        assert!(!changes.is_new_path("net/old/README.md"));
        assert!(!changes.is_new_path("net"));
        assert!(!changes.is_new_path("net/old/tool.py"));
    }

    #[test]
    fn a_subfolder_sees_paths_relative_to_itself() {
        let repo = TestRepo::new();
        repo.write("ops/net/tool.py", &numbered(1..=3));
        repo.write("elsewhere/x.py", "x = 1\n");
        repo.write("elsewhere/from.py", &numbered(1..=30));
        repo.commit("base");
        repo.write("ops/net/tool.py", &numbered(1..=4));
        repo.write("elsewhere/x.py", "x = 2\n");
        repo.write("ops/untracked.py", "x = 1\n");
        repo.git(&["mv", "elsewhere/from.py", "ops/into.py"]);

        let changes = ChangeSet::since(&repo.root().join("ops"), &base("main")).unwrap();
        let paths: Vec<&str> = changes.files().map(|(p, _)| p).collect();
        assert_eq!(paths, ["into.py", "net/tool.py", "untracked.py"]);
        assert!(changes.touches("net/tool.py", 4, 4));
        assert_eq!(
            changes.file("into.py").unwrap().old_path.as_deref(),
            Some("../elsewhere/from.py")
        );
        assert!(!changes.is_new_path("net"));
    }

    #[test]
    fn names_git_quotes_are_read_back() {
        let repo = TestRepo::new();
        let names = ["sp ace.py", "tab\t\"q\".py", "new\nline.py", "ü.py"];
        for name in names {
            repo.write(name, "a\n");
        }
        repo.commit("base");
        for name in names {
            repo.write(name, "a\nb\n");
        }
        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        for name in names {
            assert!(changes.touches(name, 2, 2), "{name:?}");
            assert!(!changes.touches(name, 1, 1), "{name:?}");
        }
    }

    #[test]
    fn a_detached_head_compares_like_a_branch() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.commit("base");
        repo.write("a.py", "a\nb\n");
        repo.commit("next");
        repo.git(&["switch", "--quiet", "--detach", "HEAD"]);
        let changes = ChangeSet::since(&repo.root(), &base("main~1")).unwrap();
        assert!(changes.touches("a.py", 2, 2));
        let err = BaseRef::resolve_with(None, &repo.root(), |_| None).unwrap_err();
        assert!(err.to_string().contains("HEAD is detached"), "{err}");
        assert!(err.to_string().contains("--base"), "{err}");
    }

    #[test]
    fn a_repository_without_commits_is_all_new() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.write("staged.py", "a\n");
        repo.git(&["add", "staged.py"]);
        let changes = ChangeSet::since(&repo.root(), &base("main")).unwrap();
        assert!(changes.merge_base.is_none());
        assert!(changes.touches("a.py", 1, 1));
        assert!(changes.file("staged.py").unwrap().new_file);
        assert!(changes.is_new_path("anything"));
    }

    #[test]
    fn the_null_sha_means_no_base() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.commit("first");
        let changes = ChangeSet::since(&repo.root(), &base(&"0".repeat(40))).unwrap();
        assert!(changes.merge_base.is_none());
        assert!(changes.file("a.py").unwrap().new_file);
    }

    #[test]
    fn the_first_commit_as_base_makes_only_later_work_new() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.commit("first");
        let first = repo.git(&["rev-parse", "HEAD"]);
        repo.write("b.py", "b\n");
        let changes = ChangeSet::since(&repo.root(), &base(&first)).unwrap();
        assert_eq!(changes.merge_base.as_deref(), Some(first.as_str()));
        assert!(changes.file("a.py").is_none());
        assert!(changes.file("b.py").unwrap().new_file);
    }

    #[test]
    fn an_unknown_base_is_a_clear_error() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.commit("first");
        let err = ChangeSet::since(&repo.root(), &base("origin/nope")).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("`origin/nope`"), "{text}");
        assert!(text.contains("--base"), "{text}");
    }

    #[test]
    fn a_shallow_clone_without_the_merge_base_names_the_fetch() {
        let origin = TestRepo::new();
        for n in 1..=3 {
            origin.write("a.py", &numbered(1..=n));
            origin.commit(&format!("c{n}"));
        }
        origin.git(&["switch", "--quiet", "--create", "feature", "HEAD~2"]);
        for n in 1..=3 {
            origin.write("f.py", &numbered(1..=n));
            origin.commit(&format!("f{n}"));
        }
        let clone_dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", origin.root().display());
        let clone = clone_dir.path().join("clone");
        let status = Command::new("git")
            .args(["clone", "--quiet", "--depth=1", "--no-single-branch", &url])
            .arg(&clone)
            .status()
            .unwrap();
        assert!(status.success());
        let root = clone.as_path();
        let git = Git::new(root);
        git.run(&["switch", "--quiet", "feature"]).unwrap();
        let err = ChangeSet::since(root, &base("origin/main")).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("shallow"), "{text}");
        assert!(text.contains("git fetch --deepen"), "{text}");
        assert!(text.contains("fetch-depth: 0"), "{text}");
    }

    #[test]
    fn outside_a_work_tree_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = ChangeSet::since(dir.path(), &base("main")).unwrap_err();
        assert!(
            err.to_string().contains("not inside a git work tree"),
            "{err}"
        );
    }

    #[test]
    fn the_base_comes_from_the_flag_then_the_platforms_then_upstream() {
        let repo = TestRepo::new();
        repo.write("a.py", "a\n");
        repo.commit("first");
        let env = |github: Option<&'static str>, gitlab: Option<&'static str>| {
            move |name: &str| match name {
                "GITHUB_BASE_REF" => github.map(str::to_owned),
                "CI_MERGE_REQUEST_DIFF_BASE_SHA" => gitlab.map(str::to_owned),
                _ => None,
            }
        };
        let root = repo.root();
        let resolved = BaseRef::resolve_with(Some("v1"), &root, env(Some("main"), None)).unwrap();
        assert_eq!(resolved, base("v1"));
        let resolved = BaseRef::resolve_with(None, &root, env(Some("main"), Some("abc"))).unwrap();
        assert_eq!(resolved.name, "origin/main");
        assert_eq!(resolved.origin, BaseOrigin::GitHub);
        let resolved = BaseRef::resolve_with(None, &root, env(Some(""), Some("abc"))).unwrap();
        assert_eq!(resolved.name, "abc");
        assert_eq!(resolved.origin, BaseOrigin::GitLab);

        let err = BaseRef::resolve_with(None, &root, env(None, None)).unwrap_err();
        assert!(err.to_string().contains("--set-upstream-to"), "{err}");
        repo.git(&["branch", "--quiet", "trunk"]);
        repo.git(&["branch", "--quiet", "--set-upstream-to", "trunk"]);
        let resolved = BaseRef::resolve_with(None, &root, env(None, None)).unwrap();
        assert_eq!(resolved.name, "trunk");
        assert_eq!(resolved.origin, BaseOrigin::Upstream);
    }

    #[test]
    fn hunk_headers_give_the_new_lines() {
        assert_eq!(hunk_new_range(b"@@ -3 +3 @@ x"), Some((3, 3)));
        assert_eq!(hunk_new_range(b"@@ -7,0 +8,2 @@"), Some((8, 9)));
        assert_eq!(hunk_new_range(b"@@ -4,2 +3,0 @@"), None);
        assert_eq!(hunk_new_range(b"@@ garbage"), None);
    }

    #[test]
    fn relative_paths_climb_out_of_the_prefix() {
        assert_eq!(relative_to("", "a/b.py"), "a/b.py");
        assert_eq!(relative_to("ops/", "ops/b.py"), "b.py");
        assert_eq!(relative_to("ops/net/", "ops/x.py"), "../x.py");
        assert_eq!(relative_to("ops/net/", "lib/x.py"), "../../lib/x.py");
    }
}
