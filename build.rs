//! Records the commit opsgate is built from, for `opsgate --version`.
//! `OPSGATE_COMMIT` wins (a release build sets it); else git is asked; a
//! build from a source archive, which has no `.git`, says "unknown commit".

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=OPSGATE_COMMIT");
    let commit = std::env::var("OPSGATE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        // As git's --short=12 would: a workflow gives the whole hash.
        .map(|c| c.chars().take(12).collect())
        .or_else(|| {
            // Only this crate's own repository names the commit: an sdist
            // unpacked inside some other checkout must not take its HEAD.
            let top = git(&["rev-parse", "--show-toplevel"])?;
            let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
            if Path::new(&top).canonicalize().ok()? != Path::new(&manifest).canonicalize().ok()? {
                return None;
            }
            // Rebuild the string when HEAD moves (a commit, a checkout).
            for name in ["HEAD", "packed-refs"] {
                if let Some(path) = git(&["rev-parse", "--git-path", name]) {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
                && let Some(path) = git(&["rev-parse", "--git-path", &branch])
            {
                println!("cargo:rerun-if-changed={path}");
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=OPSGATE_COMMIT={commit}");
}
