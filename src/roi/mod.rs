//! `opsgate roi`: what the automation in a repository is worth — hours saved,
//! findings and failed gates over time, the standards of the repository, and
//! time to resolve incidents — from each tool's README front matter and the
//! audit trail `check --audit` writes. Markdown for a job summary or a wiki,
//! or one self-contained HTML page with charts.

mod figures;
mod markdown;
mod page;
mod svg;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::audit;
use crate::cli::{RoiArgs, RoiFormat};
use crate::config::{Settings, Sources};
use crate::discover::repo::Repo;
use crate::rules;

use figures::compute;

pub(crate) fn run(args: &RoiArgs) -> Result<()> {
    // The same layout and rule options as `check` would use.
    let settings = Settings::resolve(&Sources::repository(args.path.clone(), args.config.clone()))?;
    let repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    let tools = rules::assess_standards(&repo, &settings.rules);
    let mut records = Vec::new();
    for path in &args.audit {
        records.extend(audit::read(path)?);
    }
    let roi = compute(&tools, &records);
    let title = args.title.clone().unwrap_or_else(|| {
        let folder = settings
            .root
            .file_name()
            .map_or_else(|| "repository".into(), |n| n.to_string_lossy());
        format!("Automation ROI: {folder}")
    });
    let text = match args.format {
        RoiFormat::Markdown => markdown::render(&title, &roi),
        RoiFormat::Html => page::render(&title, &roi),
    };
    if let Some(path) = &args.output {
        return write_atomically(path, &text);
    }
    let mut stdout = anstream::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the ROI report to stdout")
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".opsgate-roi-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(folder)
        .with_context(|| format!("creating a temporary file in `{}`", folder.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing `{}`", path.display()))?;
    file.persist(path)
        .with_context(|| format!("moving the ROI report into `{}`", path.display()))?;
    Ok(())
}

/// `12.5 h`.
pub(crate) fn hours(value: f64) -> String {
    format!("{} h", svg::number(value))
}

/// `1.5` working days of 8 hours, for `hours_saved`.
pub(crate) fn working_days(hours: f64) -> String {
    let days = hours / 8.0;
    // Never a signed zero: an empty sum of hours is -0.0.
    let days = if days.abs() < 0.05 { 0.0 } else { days };
    format!("{days:.1}")
}

/// How to start the audit history, for a report that has none.
pub(crate) const FIRST_RUN_HINT: &str = "No audit history yet: trends, failed gates and MTTR \
    need one. Start it by adding `--audit opsgate-audit.jsonl` to the `opsgate check` your CI \
    runs (each run appends one line; keep the file between runs, e.g. in the CI cache or a \
    branch), then pass it here: `opsgate roi --audit opsgate-audit.jsonl`.";

/// `3 h 10 min`, `2 d 3 h`, `45 min`.
pub(crate) fn duration(value: Duration) -> String {
    let minutes = (value.as_secs() + 30) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// A run time: `15 s`, `< 0.1 s` for a test suite that takes milliseconds.
pub(crate) fn seconds(value: f64) -> String {
    if value > 0.0 && value < 0.1 {
        "< 0.1 s".to_owned()
    } else {
        format!("{} s", svg::number(value))
    }
}

/// A run time known only from the tool's tests: a floor.
pub(crate) fn floor(value: f64) -> String {
    if value < 0.1 {
        "< 0.1 s (tests)".to_owned()
    } else {
        format!("≥ {} (tests)", seconds(value))
    }
}

/// A tool's run time as both reports show it.
pub(crate) fn runtime(runtime: figures::Runtime) -> String {
    match runtime {
        figures::Runtime::Declared(s) => seconds(s),
        figures::Runtime::TestsFloor(s) => floor(s),
        figures::Runtime::Unknown => "–".to_owned(),
    }
}

/// `75%` of `of`; `–` when there is nothing to count.
pub(crate) fn share(count: usize, of: usize) -> String {
    if of == 0 {
        return "–".to_owned();
    }
    format!("{}%", percent(count, of).round())
}

#[allow(clippy::cast_precision_loss)] // counts of tools and findings
pub(crate) fn percent(count: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * count as f64 / of as f64
    }
}

/// `23 → 2 (−91%)`.
pub(crate) fn change(first: usize, last: usize) -> String {
    if first == 0 || first == last {
        return format!("{first} → {last}");
    }
    #[allow(clippy::cast_precision_loss)]
    let delta = 100.0 * (last as f64 - first as f64) / first as f64;
    let sign = if delta < 0.0 { "−" } else { "+" };
    format!("{first} → {last} ({sign}{:.0}%)", delta.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(duration(Duration::from_mins(45)), "45 min");
        assert_eq!(duration(Duration::from_mins(190)), "3 h 10 min");
        assert_eq!(duration(Duration::from_hours(51)), "2 d 3 h");
        assert_eq!(share(3, 4), "75%");
        assert_eq!(share(0, 0), "–");
        assert_eq!(change(23, 2), "23 → 2 (−91%)");
        assert_eq!(change(2, 3), "2 → 3 (+50%)");
        assert_eq!(hours(11.6), "11.6 h");
        assert_eq!(change(3, 3), "3 → 3");
        assert_eq!(seconds(0.008), "< 0.1 s");
        assert_eq!(seconds(40.0), "40 s");
        assert_eq!(floor(0.012), "< 0.1 s (tests)");
        assert_eq!(floor(30.0), "≥ 30 s (tests)");
    }
}
