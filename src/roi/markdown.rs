//! `opsgate roi --format markdown`: the figures as a GitHub-flavoured
//! Markdown page, for a job summary or a wiki.

use std::fmt::Write;

use super::figures::Roi;
use super::{FIRST_RUN_HINT, change, duration, hours, share, working_days};

/// Text from the repository or the audit trail, safe in a table cell.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn yes(flag: bool) -> &'static str {
    if flag { "✅" } else { "❌" }
}

pub(crate) fn render(title: &str, roi: &Roi) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", cell(title));
    match (&roi.first_run, &roi.last_run) {
        (Some(first), Some(last)) => {
            let _ = writeln!(
                out,
                "{} audited gate run{} from {} to {}.\n",
                roi.runs,
                if roi.runs == 1 { "" } else { "s" },
                &first[..10],
                &last[..10]
            );
        }
        _ => {
            let _ = writeln!(out, "{FIRST_RUN_HINT}\n");
        }
    }
    summary(&mut out, roi);
    tools(&mut out, roi);
    weeks(&mut out, roi);
    languages(&mut out, roi);
    incidents(&mut out, roi);
    out
}

fn summary(out: &mut String, roi: &Roi) {
    out.push_str("| Figure | Value |\n|---|---|\n");
    let _ = writeln!(
        out,
        "| Engineering hours saved per month | **{}** (≈ {} working days), {} of {} tools declare their inputs |",
        hours(roi.hours_saved),
        working_days(roi.hours_saved),
        roi.tools_with_inputs,
        roi.tools.len()
    );
    if let Some((first, last)) = roi.findings_trend() {
        let _ = writeln!(
            out,
            "| Findings, first → latest week | {} |",
            change(first, last)
        );
    }
    if let (Some(first), Some(last)) = (roi.weeks.first(), roi.weeks.last()) {
        let _ = writeln!(
            out,
            "| Failed gates, first → latest week | {} of {} → {} of {} runs |",
            first.failed + first.error,
            first.runs(),
            last.failed + last.error,
            last.runs()
        );
    }
    if let (Some((_, first)), Some((_, last))) = (roi.languages().next(), roi.languages().last()) {
        let _ = writeln!(
            out,
            "| Tool folders in shell · Python · both, first → latest week | {} · {} · {} → {} · {} · {} |",
            first.shell_tools,
            first.python_tools,
            first.mixed_tools,
            last.shell_tools,
            last.python_tools,
            last.mixed_tools
        );
    }
    let open = roi
        .incidents
        .iter()
        .filter(|i| i.duration.is_none())
        .count();
    match roi.mttr {
        Some(mttr) => {
            let _ = writeln!(
                out,
                "| Mean time to resolve incidents (MTTR) | {} over {} resolved, {open} open |",
                duration(mttr),
                roi.incidents.len() - open
            );
        }
        None => out.push_str(
            "| Mean time to resolve incidents (MTTR) | no resolved incident recorded |\n",
        ),
    }
    let s = &roi.standards;
    let _ = writeln!(
        out,
        "| Tools with README · two owners · tests · pinned dependencies | {} · {} · {} · {} of {} tools |\n",
        share(s.readme, s.tools),
        share(s.owners, s.tools),
        share(s.tests, s.tools),
        share(s.pinned, s.tools),
        s.tools
    );
}

fn tools(out: &mut String, roi: &Roi) {
    out.push_str("## Hours saved per tool\n\n");
    out.push_str("| Tool | Manual minutes | Runs per month | Run time | Hours saved per month | Findings (first → latest) | README | Owners | Tests | Pinned |\n");
    out.push_str("|---|--:|--:|--:|--:|--:|:-:|:-:|:-:|:-:|\n");
    let number = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), super::svg::number);
    for tool in &roi.tools {
        let runtime = super::runtime(tool.runtime);
        let st = &tool.standards;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {runtime} | {} | {} | {} | {} {} | {} | {} |",
            cell(&tool.path),
            number(tool.manual_minutes),
            number(tool.runs_per_month),
            tool.hours_saved
                .map_or_else(|| "not declared".to_owned(), hours),
            tool.findings
                .map_or_else(|| "–".to_owned(), |(f, l)| change(f, l)),
            yes(st.readme),
            yes(st.owned),
            st.owners,
            yes(st.tested),
            yes(st.pinned)
        );
    }
    let _ = writeln!(
        out,
        "| **Total** | | | | **{}** | | | | | |\n",
        hours(roi.hours_saved)
    );
    out.push_str("Hours saved = runs per month × (manual minutes − run time) ÷ 60, from each README's front matter (`manual_minutes`, `runs_per_month`, `runtime_seconds`; else the duration of the tool's tests as a floor).\n\n");
}

fn weeks(out: &mut String, roi: &Roi) {
    if roi.weeks.is_empty() {
        return;
    }
    out.push_str("## Week by week\n\n");
    out.push_str("| Week of | Runs | Passed | Failed | Could not judge | Findings (last run) | README | Two owners | Tests | Pinned | Coverage |\n");
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for week in &roi.weeks {
        let s = &week.standards;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            week.start,
            week.runs(),
            week.passed,
            week.failed,
            week.error,
            week.findings,
            share(s.readme, s.tools),
            share(s.owners, s.tools),
            share(s.tests, s.tools),
            share(s.pinned, s.tools),
            week.coverage
                .map_or_else(|| "-".to_owned(), |c| format!("{c:.1}%"))
        );
    }
    out.push('\n');
}

/// Shell and Python week by week: the measure of a move from Bash to Python.
fn languages(out: &mut String, roi: &Roi) {
    if roi.languages().next().is_none() {
        return;
    }
    out.push_str("## Shell and Python\n\n");
    out.push_str(
        "| Week of | Shell scripts | Python files | Shell tools | Python tools | Both |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|\n");
    for (start, l) in roi.languages() {
        let _ = writeln!(
            out,
            "| {start} | {} | {} | {} | {} | {} |",
            l.shell_scripts, l.python_files, l.shell_tools, l.python_tools, l.mixed_tools
        );
    }
    out.push_str("\nTool folders by the language of their scripts (tests aside), as the week's last audited run found them.\n\n");
}

fn incidents(out: &mut String, roi: &Roi) {
    if roi.incidents.is_empty() {
        return;
    }
    out.push_str("## Incidents\n\n| Incident | Title | Opened | Resolved | Time to resolve |\n|---|---|---|---|--:|\n");
    for incident in &roi.incidents {
        let [id, title, opened, resolved, took] = incident.cells().map(|text| cell(&text));
        let _ = writeln!(out, "| {id} | {title} | {opened} | {resolved} | {took} |");
    }
    out.push('\n');
}
