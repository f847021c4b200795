//! `opsgate config --show [PATH]`: the configuration that holds for a file
//! or folder, as TOML a root `opsgate.toml` could hold, with the files and
//! overrides it came from in comments.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::ConfigArgs;
use crate::config::{ConfigSource, Effective, Layer, Scopes, Settings, Sources};
use crate::discover::repo::Repo;
use crate::rules::RULES;
use crate::rules::RuleTable;

pub(crate) fn run(args: &ConfigArgs, out: &mut dyn Write) -> Result<()> {
    let mut settings =
        Settings::resolve(&Sources::repository(args.repo.clone(), args.config.clone()))?;
    let target = args.show.as_deref().unwrap_or(Path::new("."));
    let rel = relative_to_root(&settings.root, target)?;
    let repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    settings.add_nested(&repo)?;
    let scopes = Scopes::new(&settings);
    let shown = render(&settings, &scopes, &rel);
    out.write_all(shown.as_bytes())
        .context("writing the configuration to stdout")?;
    Ok(())
}

/// The repository-relative path of `target` ("" for the root): relative to
/// the root, else to the current folder; it must exist inside the root.
pub(crate) fn relative_to_root(root: &Path, target: &Path) -> Result<String> {
    let candidates: Vec<PathBuf> = if target.is_absolute() {
        vec![target.to_path_buf()]
    } else {
        vec![root.join(target), target.to_path_buf()]
    };
    let Some(found) = candidates
        .iter()
        .find_map(|candidate| std::fs::canonicalize(candidate).ok())
    else {
        bail!(
            "`{}` does not exist in the repository `{}`: name a file or folder inside it \
             (relative to the repository root)",
            target.display(),
            root.display()
        );
    };
    let Ok(inside) = found.strip_prefix(root) else {
        bail!(
            "`{}` is outside the repository `{}`; pass --repo to name its repository",
            target.display(),
            root.display()
        );
    };
    let parts: Option<Vec<&str>> = inside
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    parts
        .map(|parts| parts.join("/"))
        .with_context(|| format!("`{}` is not a valid UTF-8 path", target.display()))
}

/// A TOML value, written by the `toml` crate.
fn value(v: impl Into<toml::Value>) -> String {
    v.into().to_string()
}

fn strings(list: &[String]) -> String {
    value(toml::Value::Array(
        list.iter().cloned().map(toml::Value::String).collect(),
    ))
}

/// A key, quoted when it is not a bare key.
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_owned() } else { value(name) }
}

/// `  # from LAYER` for the last applied layer that set a key, if any did.
fn from(scopes: &Scopes, here: &Effective, sets: impl Fn(&Layer) -> bool) -> String {
    here.applied
        .iter()
        .rev()
        .map(|&index| &scopes.layers()[index])
        .find(|layer| sets(layer))
        .map(|layer| format!("  # {}", layer.origin))
        .unwrap_or_default()
}

pub(crate) fn render(settings: &Settings, scopes: &Scopes, rel: &str) -> String {
    let here = scopes.at(rel);
    let mut out = String::new();
    let shown = if rel.is_empty() { "." } else { rel };
    let _ = writeln!(out, "# The effective opsgate configuration of `{shown}`.");
    let _ = writeln!(
        out,
        "# Built from, each later one winning where it sets a key:"
    );
    let _ = writeln!(out, "#   the embedded defaults");
    if let ConfigSource::File(path) = &settings.source {
        let file = path.strip_prefix(&settings.root).unwrap_or(path);
        let _ = writeln!(out, "#   {}", file.display());
    }
    for &index in &here.applied {
        let layer = &scopes.layers()[index];
        let _ = writeln!(out, "#   {}{}", layer.origin, describe_scope(layer));
    }
    if settings.fail_on_given {
        let _ = writeln!(out, "#   --fail-on on the command line");
    }
    let _ = writeln!(out);

    if let Some(python) = &settings.python {
        let python = python.strip_prefix(&settings.root).unwrap_or(python);
        let _ = writeln!(out, "python = {}\n", value(python.display().to_string()));
    } else {
        let base = crate::toolenv::base_python();
        let _ = writeln!(
            out,
            "# python is not set: the tools run in opsgate's managed environment, built\n\
             # from `{}` ({}).\n",
            base.path.display(),
            base.why
        );
    }
    let _ = writeln!(out, "[gate]");
    let fail_on_from = if settings.fail_on_given {
        "  # --fail-on".to_owned()
    } else {
        from(scopes, &here, |l| l.patch.fail_on.is_some())
    };
    let _ = writeln!(
        out,
        "fail_on = {}{fail_on_from}",
        value(here.fail_on.as_str())
    );
    if let Some(cap) = here.max_severity {
        let origin = from(scopes, &here, |l| l.patch.max_severity.is_some());
        let _ = writeln!(out, "max_severity = {}{origin}", value(cap.as_str()));
    }
    let origin = from(scopes, &here, |l| l.patch.min_coverage.is_some());
    let _ = writeln!(out, "min_coverage = {}{origin}", here.min_coverage);
    let _ = writeln!(out, "\n[layout]");
    let _ = writeln!(out, "libraries = {}", strings(&settings.layout.libraries));
    let _ = writeln!(
        out,
        "not_domains = {}",
        strings(&settings.layout.not_domains)
    );
    render_tools(&mut out, settings, scopes, &here);
    render_rules(&mut out, scopes, &here);
    out
}

fn render_tools(out: &mut String, settings: &Settings, scopes: &Scopes, here: &Effective) {
    for tool in &settings.tools {
        let name = tool.kind.name();
        let tool_here = here.tool(tool.kind);
        let _ = writeln!(out, "\n[tools.{name}]");
        let origin = from(scopes, here, |l| {
            l.patch
                .tools
                .get(&tool.kind)
                .is_some_and(|t| t.enabled.is_some())
        });
        let _ = writeln!(out, "enabled = {}{origin}", tool_here.enabled);
        let _ = writeln!(out, "version = {}", value(tool.version.as_str()));
        let timeout = humantime::format_duration(tool.timeout).to_string();
        let _ = writeln!(out, "timeout = {}", value(timeout));
        if !tool.pass_env.is_empty() {
            let _ = writeln!(out, "pass_env = {}", strings(&tool.pass_env));
        }
        let _ = writeln!(out, "[tools.{name}.severity]");
        for (prefix, severity) in tool_here.severity.entries() {
            let origin = from(scopes, here, |l| {
                l.patch
                    .tools
                    .get(&tool.kind)
                    .is_some_and(|t| t.severity.contains_key(prefix))
            });
            let _ = writeln!(
                out,
                "{} = {}{origin}",
                key(prefix),
                value(severity.as_str())
            );
        }
    }
}

fn render_rules(out: &mut String, scopes: &Scopes, here: &Effective) {
    let defaults = crate::config::default_rule_tables();
    for rule in RULES {
        let Some(rule_here) = here.rule(rule.id()) else {
            continue;
        };
        // Options nobody set are shown with their default values.
        let mut options = rule_here.options.clone();
        if let Some(default) = defaults.get(rule.id()) {
            options.min_owners = options.min_owners.or(default.min_owners);
            options.required = options.required.or_else(|| default.required.clone());
            // A section's synonyms replace its defaults; the other defaults hold.
            if let Some(default_synonyms) = &default.synonyms {
                let mut synonyms = default_synonyms.clone();
                synonyms.extend(options.synonyms.take().unwrap_or_default());
                options.synonyms = Some(synonyms);
            }
        }
        let sets = |pick: fn(&RuleTable) -> bool| {
            from(scopes, here, move |l| {
                l.patch.rules.get(rule.id()).is_some_and(pick)
            })
        };
        let _ = writeln!(out, "\n[rules.{}]   # {}", rule.id(), rule.name());
        let origin = sets(|t| t.severity.is_some());
        let _ = writeln!(
            out,
            "severity = {}{origin}",
            value(rule_here.level.as_str())
        );
        if let Some(paths) = &options.paths {
            let _ = writeln!(out, "paths = {}", strings(paths));
        }
        if let Some(exclude) = &options.exclude {
            let _ = writeln!(out, "exclude = {}", strings(exclude));
        }
        if let Some(min) = options.min_owners {
            let origin = sets(|t| t.min_owners.is_some());
            let _ = writeln!(out, "min_owners = {min}{origin}");
        }
        if let Some(required) = &options.required {
            let origin = sets(|t| t.required.is_some());
            let _ = writeln!(out, "required = {}{origin}", strings(required));
        }
        if let Some(synonyms) = &options.synonyms {
            let origin = sets(|t| t.synonyms.is_some());
            let _ = writeln!(out, "[rules.{}.synonyms]{origin}", rule.id());
            for (section, also) in synonyms {
                let _ = writeln!(out, "{} = {}", key(section), strings(also));
            }
        }
    }
}

fn describe_scope(layer: &Layer) -> String {
    match &layer.scope {
        crate::config::LayerScope::Globs(globs) => {
            format!(" (paths = {})", strings(&globs.written))
        }
        crate::config::LayerScope::Folder(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_configuration_is_a_valid_root_configuration() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("opsgate.toml"),
            "[[overrides]]\npaths = [\"legacy\"]\nmax_severity = \"note\"\n\
             [overrides.tools.flake8.severity]\n\"E5\" = \"note\"\n\
             [overrides.rules.OG203]\nmin_owners = 1\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("legacy/old")).unwrap();
        std::fs::write(dir.path().join("legacy/old/x.py"), "x = 1\n").unwrap();
        let args = ConfigArgs {
            show: Some(dir.path().join("legacy/old/x.py")),
            repo: dir.path().to_path_buf(),
            config: None,
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.contains("`legacy/old/x.py`"), "{shown}");
        assert!(
            shown.contains("max_severity = \"note\"  # opsgate.toml: [[overrides]] #1"),
            "{shown}"
        );
        assert!(shown.contains("E5 = \"note\"  # opsgate.toml"), "{shown}");
        assert!(shown.contains("min_owners = 1  # opsgate.toml"), "{shown}");
        let reparsed = crate::config::parse_root_text(&shown);
        assert!(reparsed.is_ok(), "{reparsed:?}\n{shown}");
    }

    #[test]
    fn a_path_outside_or_missing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let err = relative_to_root(&root, Path::new("nowhere/x.py")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = relative_to_root(&root, Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("outside the repository"), "{err}");
        assert_eq!(relative_to_root(&root, Path::new(".")).unwrap(), "");
    }
}
