//! `opsgate rules` and `opsgate explain RULE`: the registry, for people.

use std::io::Write;

use anyhow::{Result, bail};

use super::{RULES, find, unknown_rule_message};

/// How every rule is configured and suppressed; appended to each rule's docs.
const COMMON: &str = "\
## Turning it off, re-levelling, scoping, suppressing

```toml
[rules.{ID}]
severity = \"error\"            # error | warning | note | off
paths = [\"networking/**\"]     # report only on these paths (globs; a folder covers what is below)
exclude = [\"sandbox/**\"]      # never report on these
```

Per folder, `severity` and the rule's options can differ (`opsgate config
--show PATH` prints what holds there):

```toml
[[overrides]]                   # in the root opsgate.toml
paths = [\"legacy/**\"]
[overrides.rules.{ID}]
severity = \"note\"
```
or `[rules.{ID}]` in an `opsgate.toml` inside the folder.

Inline, with the reason it is fine (without a reason it does not suppress,
and is itself an OG002 finding), on the flagged line or the line above:

```text
# opsgate: ignore[{ID}] why this is fine             (scripts, requirements, CODEOWNERS)
<!-- opsgate: ignore[{ID}] why this is fine -->      (READMEs)
# opsgate: ignore[{ID}] until=2027-03-31 why         (stops working after that day: OG003)
```

A suppression that hides nothing in a run is an OG004 finding.
";

/// One line per rule: id, name, default severity, summary.
pub(crate) fn list(out: &mut dyn Write) -> Result<()> {
    let width = RULES.iter().map(|r| r.name().len()).max().unwrap_or(0);
    for rule in RULES {
        writeln!(
            out,
            "{}  {:width$}  {:7}  {}",
            rule.id(),
            rule.name(),
            rule.default_severity().as_str(),
            rule.summary()
        )?;
    }
    Ok(())
}

/// The documentation of one rule; an unknown id is an error (exit 2).
pub(crate) fn explain(out: &mut dyn Write, id: &str) -> Result<()> {
    let Some(rule) = find(id) else {
        bail!("{}", unknown_rule_message(id));
    };
    writeln!(
        out,
        "# {} {}\n\nDefault severity: {}. {}\n\n{}\n\n{}",
        rule.id(),
        rule.name(),
        rule.default_severity().as_str(),
        rule.summary(),
        rule.docs().trim(),
        COMMON.replace("{ID}", rule.id()).trim_end()
    )?;
    Ok(())
}
