//! Flake8's settings when the repository has none: Black's, as Black
//! documents them (line length 88; E203, E701 and E704 ignored), so that the
//! two tools opsgate runs never contradict each other. A repository with its
//! own Flake8 configuration gets exactly that configuration: opsgate looks
//! for it where Flake8 does, and adds nothing then.

use std::ffi::OsString;
use std::path::Path;

use configparser::ini::Ini;

/// The options given when no configuration file is found; README and
/// `defaults.toml` state them.
pub(crate) const BLACK_COMPATIBLE: [&str; 2] =
    ["--max-line-length=88", "--extend-ignore=E203,E701,E704"];

/// Flake8's candidates, in the order it reads them in each folder.
const CANDIDATES: [&str; 3] = ["setup.cfg", "tox.ini", ".flake8"];

/// The options to add to a Flake8 run from `root`: Black's when Flake8
/// would find no configuration, else none.
pub(crate) fn args(root: &Path) -> Vec<OsString> {
    if configured(root, dirs::home_dir().as_deref()) {
        Vec::new()
    } else {
        BLACK_COMPATIBLE.iter().map(OsString::from).collect()
    }
}

/// Whether Flake8 started in `root` finds a configuration file: as its
/// `_find_config_file` does, each folder from `root` upwards, stopping at
/// the file-system root or before the home folder, a candidate that parses
/// and holds a `[flake8]` (or `[flake8:local-plugins]`) section. A file that
/// does not parse is skipped, as Flake8 skips it.
fn configured(root: &Path, home: Option<&Path>) -> bool {
    let home = home.and_then(|h| std::fs::canonicalize(h).ok());
    let mut dir = root;
    loop {
        if CANDIDATES
            .iter()
            .any(|name| has_flake8_section(&dir.join(name)))
        {
            return true;
        }
        match dir.parent() {
            Some(parent) if Some(parent) != home.as_deref() => dir = parent,
            _ => return false,
        }
    }
}

fn has_flake8_section(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let mut ini = Ini::new_cs();
    ini.set_multiline(true);
    ini.read(text).is_ok_and(|sections| {
        sections.contains_key("flake8") || sections.contains_key("flake8:local-plugins")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flake8_section_in_any_candidate_counts_and_other_sections_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let home = Some(dir.path());
        assert!(!configured(&root, home));
        std::fs::write(root.join("setup.cfg"), "[metadata]\nname = x\n").unwrap();
        std::fs::write(root.join("tox.ini"), "[tox]\nenvlist = py3\n").unwrap();
        assert!(!configured(&root, home));
        assert_eq!(args(&root).len(), 2);
        for (file, text) in [
            (".flake8", "[flake8]\n"),
            ("tox.ini", "[tox]\n[flake8]\nmax-line-length = 79\n"),
            (
                "setup.cfg",
                "[flake8:local-plugins]\nextension =\n  X = x:X\n",
            ),
        ] {
            let before = std::fs::read_to_string(root.join(file)).ok();
            std::fs::write(root.join(file), text).unwrap();
            assert!(configured(&root, home), "{file}");
            match before {
                Some(before) => std::fs::write(root.join(file), before).unwrap(),
                None => std::fs::remove_file(root.join(file)).unwrap(),
            }
        }
    }

    #[test]
    fn the_search_goes_up_but_stops_before_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let root = home.join("work/repo");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(home.join("work/.flake8"), "[flake8]\n").unwrap();
        assert!(configured(&root, Some(&home)));
        std::fs::remove_file(home.join("work/.flake8")).unwrap();
        // Flake8 never reads a configuration in the home folder itself.
        std::fs::write(home.join(".flake8"), "[flake8]\n").unwrap();
        assert!(!configured(&root, Some(&home)));
    }
}
