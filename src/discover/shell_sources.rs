//! The files a shell script sources, as far as its text names them
//! literally: `source x`, `. x` and `ShellCheck`'s `# shellcheck source=x`
//! directive, followed through the files they name. `ShellCheck` reads them
//! with `--external-sources`, so a script's result depends on them and its
//! cache key must too.
//!
//! A name holding `$` or a command substitution cannot be read without
//! running the script; `ShellCheck` does not follow those either.

use std::collections::BTreeSet;
use std::path::Path;

/// No script sources more files than this in any repository we know; a
/// bound keeps a hostile tree from walking forever.
const MAX_FILES: usize = 256;

/// Every repository path `script` may source, directly or through the
/// files it sources: each name relative to the sourcing file's folder, the
/// script's folder (`ShellCheck`'s `SCRIPTDIR`) and the root (the folder
/// `ShellCheck` runs in). Paths that do not exist are listed too: creating
/// one changes what `ShellCheck` reads.
pub(crate) fn sourced(root: &Path, script: &str) -> Vec<String> {
    let script_dir = parent(script);
    let mut found = BTreeSet::new();
    let mut queue = vec![script.to_owned()];
    while let Some(file) = queue.pop() {
        let Ok(text) = std::fs::read(root.join(&file)) else {
            continue;
        };
        let here = parent(&file);
        for name in names(&String::from_utf8_lossy(&text)) {
            for dir in [here, script_dir, ""] {
                let Some(path) = resolve(dir, &name) else {
                    continue;
                };
                if path != script && found.len() < MAX_FILES && found.insert(path.clone()) {
                    queue.push(path);
                }
            }
        }
    }
    found.into_iter().collect()
}

/// The literal names a script's lines source.
fn names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if comment.trim_start().starts_with("shellcheck ") {
                names.extend(
                    comment
                        .split_whitespace()
                        .filter_map(|word| word.strip_prefix("source="))
                        .map(|name| name.trim_start_matches("SCRIPTDIR/").to_owned()),
                );
            }
            continue;
        }
        for command in line.split([';', '&', '|', '(', '{']) {
            let mut words = command.split_whitespace();
            let word = words.next();
            let word = match word {
                Some("then" | "do" | "else" | "if" | "!") => words.next(),
                other => other,
            };
            if matches!(word, Some("source" | "."))
                && let Some(name) = words.next()
            {
                let name = name.trim_matches(['"', '\'']);
                if !name.contains(['$', '`', '*', '?']) && !name.is_empty() {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}

/// `name` relative to `dir`, both relative to the root, with `.` and `..`
/// resolved; `None` for an absolute name or one leaving the root.
fn resolve(dir: &str, name: &str) -> Option<String> {
    if name.starts_with('/') || name.starts_with('~') || name == "/dev/null" {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literal_sources_and_directives() {
        let text = "#!/bin/bash\n# shellcheck source=lib/common.sh\nsource \"$DIR/common.sh\"\n\
                    . ./env.sh\nif true; then source 'more.sh'; fi\necho source x\n\
                    # shellcheck disable=SC1091 source=SCRIPTDIR/other.sh\n";
        assert_eq!(
            names(text),
            ["lib/common.sh", "./env.sh", "more.sh", "other.sh"]
        );
    }

    #[test]
    fn resolves_within_the_root_only() {
        assert_eq!(resolve("a/b", "../c.sh").as_deref(), Some("a/c.sh"));
        assert_eq!(resolve("", "./c.sh").as_deref(), Some("c.sh"));
        assert_eq!(resolve("", "../c.sh"), None);
        assert_eq!(resolve("a", "/etc/profile"), None);
    }

    #[test]
    fn follows_what_the_sourced_files_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tools/x")).unwrap();
        std::fs::write(dir.path().join("tools/x/run.sh"), ". lib.sh\n").unwrap();
        std::fs::write(dir.path().join("tools/x/lib.sh"), "source ../base.sh\n").unwrap();
        std::fs::write(dir.path().join("tools/base.sh"), "source tools/x/run.sh\n").unwrap();
        // Each name from the sourcing file's folder, the script's and the
        // root; never the script itself.
        assert_eq!(
            sourced(dir.path(), "tools/x/run.sh"),
            [
                "lib.sh",
                "tools/base.sh",
                "tools/tools/x/run.sh",
                "tools/x/lib.sh",
                "tools/x/tools/x/run.sh",
            ]
        );
    }
}
