//! `--format html`: the findings of one run as a self-contained page —
//! counted by domain, tool folder, tool, rule and severity, with filters —
//! that opens from a file:// URL with nothing fetched. Every piece of text
//! is escaped: findings quote arbitrary source and tool output.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use quick_xml::escape::escape;

use super::{Emitter, RunResult};
use crate::judge::verdict::Verdict;
use crate::model::Finding;

pub(crate) struct Html;

const STYLE: &str = r"
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2733}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 10px}
.sub{color:#5b6673;margin:0 0 18px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:14px;vertical-align:middle}
.passed{background:#2da44e}.failed{background:#cf222e}.error{background:#8c959f}
.groups{display:grid;align-items:start;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.group{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.group h3{font-size:13px;text-transform:uppercase;color:#5b6673;margin:0 0 6px}
.group button{display:flex;justify-content:space-between;width:100%;border:0;background:none;padding:3px 4px;font:inherit;cursor:pointer;text-align:left;border-radius:4px}
.group button:hover{background:#eef2f6}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0 12px}
select,input{font:inherit;padding:4px 6px;border:1px solid #c9d0d7;border-radius:6px;background:#fff}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{padding:6px 8px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}
th{background:#fafbfc}td.msg{white-space:pre-wrap;word-break:break-word}
.sev{font-weight:600}.sev-error{color:#cf222e}.sev-warning{color:#9a6700}.sev-note{color:#0969da}
code,pre{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}pre{margin:4px 0 0;white-space:pre-wrap}
tr.blocking td:first-child{box-shadow:inset 3px 0 #cf222e}
";

const SCRIPT: &str = r"
const selects=[...document.querySelectorAll('select[data-key]')];
const search=document.getElementById('search');
const rows=[...document.querySelectorAll('#findings tbody tr[data-severity]')];
function apply(){
  const text=search.value.toLowerCase();let shown=0;
  for(const row of rows){
    const ok=selects.every(s=>!s.value||row.dataset[s.dataset.key]===s.value)
      &&(!text||row.textContent.toLowerCase().includes(text));
    row.hidden=!ok;if(ok)shown++;
  }
  document.getElementById('shown').textContent=shown;
}
for(const s of selects)s.addEventListener('change',apply);
search.addEventListener('input',apply);
for(const b of document.querySelectorAll('button[data-key]'))b.addEventListener('click',()=>{
  for(const s of selects)s.value=s.dataset.key===b.dataset.key?b.dataset.value:'';
  search.value='';apply();
});
apply();
";

/// The dimensions a finding is counted and filtered by: (key, heading).
const DIMENSIONS: [(&str, &str); 5] = [
    ("severity", "Severity"),
    ("domain", "Domain"),
    ("folder", "Tool folder"),
    ("tool", "Checker"),
    ("rule", "Rule"),
];

struct Row<'a> {
    finding: &'a Finding,
    values: [String; 5],
}

impl Emitter for Html {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let rows: Vec<Row<'_>> = run
            .findings
            .iter()
            .map(|finding| Row {
                finding,
                values: [
                    finding.severity.as_str().to_owned(),
                    domain_of(run, &finding.path),
                    folder_of(run, &finding.path),
                    finding.tool.to_string(),
                    finding.rule.clone(),
                ],
            })
            .collect();
        let mut page = String::new();
        header(&mut page, run);
        groups(&mut page, &rows);
        filters(&mut page, &rows);
        table(&mut page, run, &rows);
        tools(&mut page, run);
        let _ = writeln!(page, "</main><script>{SCRIPT}</script></body></html>");
        out.write_all(page.as_bytes())?;
        Ok(())
    }
}

fn domain_of(run: &RunResult, path: &str) -> String {
    path.split_once('/')
        .map(|(first, _)| first)
        .filter(|first| run.domains.iter().any(|d| d == first))
        .map_or_else(|| "(repository)".to_owned(), str::to_owned)
}

fn folder_of(run: &RunResult, path: &str) -> String {
    run.tool_folders
        .iter()
        .filter(|folder| crate::discover::repo::within(path, folder))
        .max_by_key(|folder| folder.len())
        .map_or_else(|| "(none)".to_owned(), Clone::clone)
}

fn header(page: &mut String, run: &RunResult) {
    let (class, word) = match run.verdict {
        Verdict::Passed => ("passed", "passed"),
        Verdict::Failed => ("failed", "failed"),
        Verdict::Error => ("error", "could not judge"),
    };
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>opsgate: gate {word}</title><style>{STYLE}</style></head><body><main><h1>opsgate <span class=\"verdict {class}\">gate {word}</span></h1><p class=\"sub\">{} findings ({} error, {} warning, {} note); {} at or above <b>{}</b> fail the gate · {} tool folders in {} domains · {:.1} s</p>",
        run.findings.len(),
        run.count(crate::model::Severity::Error),
        run.count(crate::model::Severity::Warning),
        run.count(crate::model::Severity::Note),
        run.blocking(),
        run.fail_on,
        run.tool_folders.len(),
        run.domains.len(),
        run.duration.as_secs_f64()
    );
}

fn groups(page: &mut String, rows: &[Row<'_>]) {
    page.push_str("<h2>By domain, tool, rule and severity</h2><div class=\"groups\">");
    for (index, (key, heading)) in DIMENSIONS.iter().enumerate() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for row in rows {
            *counts.entry(row.values[index].as_str()).or_insert(0) += 1;
        }
        let _ = write!(page, "<div class=\"group\"><h3>{heading}</h3>");
        if counts.is_empty() {
            page.push_str("<div>none</div>");
        }
        let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown = 12;
        for (value, count) in counts.iter().take(shown) {
            let value = escape(*value);
            let _ = write!(
                page,
                "<button type=\"button\" data-key=\"{key}\" data-value=\"{value}\"><span>{value}</span><b>{count}</b></button>"
            );
        }
        if counts.len() > shown {
            let _ = write!(
                page,
                "<div>and {} more: see the filter below</div>",
                counts.len() - shown
            );
        }
        page.push_str("</div>");
    }
    page.push_str("</div>");
}

fn filters(page: &mut String, rows: &[Row<'_>]) {
    page.push_str("<h2>Findings</h2><div class=\"filters\">");
    for (index, (key, heading)) in DIMENSIONS.iter().enumerate() {
        let mut values: Vec<&str> = rows.iter().map(|r| r.values[index].as_str()).collect();
        values.sort_unstable();
        values.dedup();
        let _ = write!(
            page,
            "<label>{heading} <select data-key=\"{key}\"><option value=\"\">all</option>"
        );
        for value in values {
            let value = escape(value);
            let _ = write!(page, "<option value=\"{value}\">{value}</option>");
        }
        page.push_str("</select></label>");
    }
    let _ = write!(
        page,
        "<input id=\"search\" type=\"search\" placeholder=\"Search messages and paths\"> <span><b id=\"shown\">{}</b> of {} shown</span></div>",
        rows.len(),
        rows.len()
    );
}

fn table(page: &mut String, run: &RunResult, rows: &[Row<'_>]) {
    page.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>Location</th><th>Tool folder</th><th>Checker</th><th>Rule</th><th>Message</th></tr></thead><tbody>");
    for row in rows {
        let f = row.finding;
        let mut location = run.platform_path(&f.path);
        if let Some(line) = f.span.line {
            let _ = write!(location, ":{line}");
            if let Some(column) = f.span.column {
                let _ = write!(location, ":{column}");
            }
        }
        let _ = write!(
            page,
            "<tr class=\"{}\"",
            if run.is_blocking(f) { "blocking" } else { "" }
        );
        for ((key, _), value) in DIMENSIONS.iter().zip(&row.values) {
            let _ = write!(page, " data-{key}=\"{}\"", escape(value.as_str()));
        }
        let rule = match (&f.help_url, &f.rule_name) {
            (Some(url), _) => format!(
                "<a href=\"{}\">{}</a>",
                escape(url.as_str()),
                escape(f.rule.as_str())
            ),
            _ => escape(f.rule.as_str()).into_owned(),
        };
        let _ = write!(
            page,
            "><td class=\"sev sev-{sev}\">{sev}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{rule}{}</td><td class=\"msg\">{}",
            escape(location.as_str()),
            escape(row.values[2].as_str()),
            escape(f.tool.as_str()),
            f.rule_name
                .as_deref()
                .map(|n| format!("<br><small>{}</small>", escape(n)))
                .unwrap_or_default(),
            escape(f.message.as_str()),
            sev = f.severity.as_str(),
        );
        if let Some(fix) = &f.fix {
            let _ = write!(
                page,
                "<details><summary>fix</summary><pre>{}</pre></details>",
                escape(fix.as_str())
            );
        }
        page.push_str("</td></tr>");
    }
    if rows.is_empty() {
        page.push_str("<tr><td colspan=\"6\">No findings: every check came back clean.</td></tr>");
    }
    page.push_str("</tbody></table>");
}

fn tools(page: &mut String, run: &RunResult) {
    page.push_str("<h2>Checks that ran</h2><table><thead><tr><th>Checker</th><th>Version</th><th>Status</th><th>Files</th><th>Findings</th><th>Duration</th></tr></thead><tbody>");
    for tool in &run.tools {
        let status = serde_json::to_value(tool.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1} s</td></tr>",
            escape(tool.name.name()),
            escape(tool.version.as_deref().unwrap_or("–")),
            escape(status.as_str()),
            tool.files,
            tool.findings,
            std::time::Duration::from_millis(tool.duration_ms).as_secs_f64()
        );
    }
    page.push_str("</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render(run: &RunResult) -> String {
        let mut out = Vec::new();
        Html.emit(&mut out, run).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn findings_are_escaped_and_counted() {
        let mut run = fixtures::run();
        run.tool_folders = vec!["net".into()];
        run.findings[1].message = "</script><script>alert(1)</script> & \"quoted\"".into();
        run.findings[1].rule = "X\"><b>".into();
        let page = render(&run);
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
        assert!(page.contains("data-rule=\"X&quot;&gt;&lt;b&gt;\""));
        assert_eq!(page.matches("<script>").count(), 1);
        assert!(page.contains("3 findings (2 error, 0 warning, 1 note)"));
        assert!(page.contains("data-folder=\"net\""));
        assert!(page.contains("data-domain=\"net\""));
    }

    #[test]
    fn a_clean_run_says_so() {
        let mut run = fixtures::run();
        run.findings.clear();
        run.verdict = Verdict::Passed;
        let page = render(&run);
        assert!(page.contains("gate passed"));
        assert!(page.contains("No findings: every check came back clean."));
        assert!(page.contains("<b id=\"shown\">0</b> of 0 shown"));
    }
}
