//! Every version the install documentation pins (the action's ref, the
//! GitLab job's `OPSGATE_VERSION`, pre-commit's `rev`, `pip install
//! opsgate==`, the release archive's name) is Cargo.toml's version: the
//! release of that version is what the tag v<version> creates.

use std::path::Path;

/// The documents and examples a user copies pins from.
const FILES: &[&str] = &[
    "README.md",
    "docs/install.md",
    "docs/release.md",
    ".gitlab-ci.example.yml",
    ".gitlab-ci.sharded.example.yml",
    ".pre-commit-hooks.yaml",
];

/// The version written after each `prefix` in `text`.
fn pins<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .unwrap_or(rest.len());
            rest[..end].trim_end_matches('.')
        })
        .collect()
}

#[test]
fn every_documented_pin_is_the_cargo_toml_version() {
    let version = env!("CARGO_PKG_VERSION");
    let mut found = Vec::new();
    for file in FILES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (kind, prefix) in [
            ("the action's ref", "opsgate@v"),
            ("uvx's pin", "uvx opsgate@"),
            ("the GitLab job's version", "OPSGATE_VERSION: \""),
            ("pip's pin", "opsgate=="),
            ("pre-commit's rev", "rev: v"),
            ("the archive's name", "opsgate-"),
            ("the release tag", "releases/tag/v"),
            ("cargo's tag", "--tag v"),
            ("the download folder", "download/v"),
        ] {
            for pin in pins(&text, prefix) {
                // Placeholders (`opsgate==$OPSGATE_VERSION`, `vX.Y.Z`) and
                // names (`opsgate-shard`) are no pins.
                if !pin.starts_with(|c: char| c.is_ascii_digit()) {
                    continue;
                }
                assert_eq!(pin, version, "{file}: {kind} `{prefix}{pin}`");
                found.push(kind);
            }
        }
    }
    for kind in [
        "the action's ref",
        "the GitLab job's version",
        "pip's pin",
        "pre-commit's rev",
    ] {
        assert!(found.contains(&kind), "no pin of {kind} is documented");
    }
}
