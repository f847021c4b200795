//! `opsgate fmt [PATH…]`: formats the repository's Python files with the
//! pinned Black of the environment `check` uses, so that the fix a Black
//! finding asks for needs nothing installed besides opsgate. The one command
//! that writes to the tree, and only when asked. It formats the files
//! `check` would give Black (the same walk, ignores and per-folder
//! `enabled`), all of them or those under the given paths.

use anyhow::{Context, Result, bail};

use crate::ExitStatus;
use crate::cli::FmtArgs;
use crate::config::{Scopes, Settings, Sources};
use crate::discover::pytest_config::TestPatterns;
use crate::discover::repo::Repo;
use crate::model::ToolKind;
use crate::runners;
use crate::show_config::relative_to_root;
use crate::toolenv;

pub(crate) fn run(args: &FmtArgs) -> Result<ExitStatus> {
    let mut settings = Settings::resolve(&Sources {
        python: args.python.clone(),
        ..Sources::repository(args.repo.clone(), args.config.clone())
    })?;
    let mut repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    repo.apply_test_patterns(&TestPatterns::from_repo(&settings.root)?);
    settings.add_nested(&repo)?;
    Scopes::new(&settings).restrict_tools(&mut settings.tools, &repo);
    let black = settings
        .tools
        .iter()
        .find(|tool| tool.kind == ToolKind::Black)
        .context("Black has settings")?
        .clone();
    if !black.enabled {
        bail!(
            "Black is turned off in the configuration (`enabled = false` under [tools.black]); \
             turn it on to format with it"
        );
    }
    let files = selected(&settings, &repo, &args.paths, &black.excluded)?;
    if files.is_empty() {
        anstream::eprintln!("opsgate: no Python files to format");
        return Ok(ExitStatus::Passed);
    }
    // The environment `check` uses: the same pins, reused when built.
    let toolbox = toolenv::prepare(&settings, &repo)?;
    if toolbox.versions.get("black").is_none_or(Option::is_none) {
        bail!(
            "black is not installed for `{python}`: run `{python} -m pip install black=={pinned}`, \
             or drop --python (and `python` in the configuration) to use the managed environment",
            python = toolbox.python.display(),
            pinned = black.version,
        );
    }
    let formatted = runners::format_with_black(&toolbox, &repo, &black, settings.jobs, &files)?;
    anstream::eprint!("{}", formatted.report);
    if formatted.unparsable > 0 {
        anstream::eprintln!(
            "opsgate: {} file{} could not be formatted: Black cannot parse {} (see above); \
             the others were",
            formatted.unparsable,
            if formatted.unparsable == 1 { "" } else { "s" },
            if formatted.unparsable == 1 {
                "it"
            } else {
                "them"
            },
        );
        return Ok(ExitStatus::Failed);
    }
    Ok(ExitStatus::Passed)
}

/// The Python files Black checks in `check`, under any of `paths` (all of
/// them without paths). A path that selects none is an error: it is outside
/// what opsgate checks, and formatting it silently would surprise.
fn selected<'r>(
    settings: &Settings,
    repo: &'r Repo,
    paths: &[std::path::PathBuf],
    excluded: &std::collections::BTreeSet<String>,
) -> Result<Vec<&'r str>> {
    let checked: Vec<&str> = repo
        .python_files()
        .map(|file| file.path.as_str())
        .filter(|path| !excluded.contains(*path))
        .collect();
    if paths.is_empty() {
        return Ok(checked);
    }
    let mut chosen = Vec::new();
    for path in paths {
        let rel = relative_to_root(&settings.root, path)?;
        let under: Vec<&str> = checked
            .iter()
            .copied()
            .filter(|file| {
                rel.is_empty()
                    || *file == rel
                    || file
                        .strip_prefix(rel.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .collect();
        if under.is_empty() {
            bail!(
                "`{}` holds no Python file that `opsgate check` gives Black (git-ignored files, \
                 files outside the walk and folders where Black is off are left alone)",
                path.display()
            );
        }
        chosen.extend(under);
    }
    chosen.sort_unstable();
    chosen.dedup();
    Ok(chosen)
}
