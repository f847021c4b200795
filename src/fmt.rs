//! `opsgate fmt [PATH…]`: formats the repository's Python files with the
//! pinned formatter of the environment `check` uses (Black, or Ruff's
//! formatter when Black is off and it is on), so that the fix a formatter's
//! finding asks for needs nothing installed besides opsgate. The one command
//! that writes to the tree, and only when asked. It formats the files
//! `check` would give that formatter (the same walk, ignores and per-folder
//! `enabled`), all of them or those under the given paths.

use anyhow::{Context, Result, bail};

use crate::ExitStatus;
use crate::cli::FmtArgs;
use crate::config::{Scopes, Settings, Sources, ToolSettings};
use crate::discover::pytest_config::TestPatterns;
use crate::discover::repo::Repo;
use crate::model::Role;
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
    // The first formatter that is on, in the order `check` lists them.
    let Some(formatter) = settings
        .tools
        .iter()
        .find(|tool| tool.enabled && runners::spec(tool.kind).role == Role::Formatter)
        .cloned()
    else {
        bail!(
            "no formatter is on in the configuration: turn on Black (`enabled = true` under \
             [tools.black]) or Ruff's formatter (under [tools.ruff-format]) to format with it"
        );
    };
    let name = formatter.kind.name();
    let files = selected(&settings, &repo, &args.paths, &formatter)?;
    if files.is_empty() {
        anstream::eprintln!("opsgate: no Python files to format");
        return Ok(ExitStatus::Passed);
    }
    // The environment `check` uses: the same pins, reused when built.
    let toolbox = toolenv::prepare(&settings, &repo)?;
    if toolbox.versions.get(name).is_none_or(Option::is_none) {
        bail!(
            "{name} is not installed for `{python}`: run `{python} -m pip install \
             {package}=={pinned}`, or drop --python (and `python` in the configuration) to use \
             the managed environment",
            python = toolbox.python.display(),
            package = runners::spec(formatter.kind).package,
            pinned = formatter.version,
        );
    }
    let done = runners::runner(formatter.kind)
        .format_in_place(&toolbox, &repo, &formatter, settings.jobs, &files)
        .with_context(|| format!("{name} does not format files in place"))??;
    anstream::eprint!("{}", done.report);
    if done.unparsable > 0 {
        anstream::eprintln!(
            "opsgate: {} file{} could not be formatted: {name} cannot parse {} (see above); \
             the others were",
            done.unparsable,
            if done.unparsable == 1 { "" } else { "s" },
            if done.unparsable == 1 { "it" } else { "them" },
        );
        return Ok(ExitStatus::Failed);
    }
    Ok(ExitStatus::Passed)
}

/// The Python files the formatter checks in `check`, under any of `paths`
/// (all of them without paths). A path that selects none is an error: it is
/// outside what opsgate checks, and formatting it silently would surprise.
fn selected<'r>(
    settings: &Settings,
    repo: &'r Repo,
    paths: &[std::path::PathBuf],
    formatter: &ToolSettings,
) -> Result<Vec<&'r str>> {
    let checked: Vec<&str> = repo
        .python_files()
        .map(|file| file.path.as_str())
        .filter(|path| !formatter.excluded.contains(*path))
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
                "`{}` holds no Python file that `opsgate check` gives {} (git-ignored files, \
                 files outside the walk and folders where it is off are left alone)",
                path.display(),
                formatter.kind.name()
            );
        }
        chosen.extend(under);
    }
    chosen.sort_unstable();
    chosen.dedup();
    Ok(chosen)
}
