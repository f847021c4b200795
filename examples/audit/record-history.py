#!/usr/bin/env python3
"""Re-creates the example audit trail in this folder from real opsgate runs.

The example repository (examples/ops-repo) is copied to a scratch folder and
taken through six weeks of history: it starts without a README for one tool,
with single-owner tools, an untested tool, an unpinned dependency and an
unused import, and the team fixes one standard after another. Each entry of
RUNS is one real `opsgate check --audit` run on that state, committed to git,
with the GitHub Actions variables a workflow run would set. Only the `time`
of each record is then moved to the date in RUNS, so that the trail spans six
weeks instead of the minute it took to record.

Usage: python3 examples/audit/record-history.py [path/to/opsgate]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "ops-repo"
OPSGATE = sys.argv[1] if len(sys.argv) > 1 else "opsgate"

# (time, state, branch, actor, file, a pull request's own bug, incident)
# state: how many of the fixes below the repository has.
RUNS = [
    ("2026-10-05T09:12:00Z", 0, "main", "alice", "main", False, None),
    ("2026-10-06T14:30:00Z", 0, "add-port-ranges", "bob", "pull-requests", True, None),
    ("2026-10-07T10:05:00Z", 0, "main", "bob", "main", False, None),
    ("2026-10-09T16:40:00Z", 0, "main", "carol", "main", False, None),
    ("2026-10-12T08:55:00Z", 1, "readme-onboard-user", "frank", "pull-requests", False, None),
    ("2026-10-13T11:20:00Z", 2, "codeowners", "dave", "pull-requests", False, None),
    ("2026-10-14T15:45:00Z", 2, "dns-timeout", "alice", "pull-requests", True, None),
    ("2026-10-16T09:30:00Z", 2, "main", "alice", "main", False, None),
    ("2026-10-19T10:10:00Z", 3, "backup-rotate-tests", "erin", "pull-requests", False, None),
    ("2026-10-20T13:25:00Z", 4, "pin-requirements", "grace", "pull-requests", False, None),
    ("2026-10-21T09:05:00Z", 5, "hotfix-dns-stale", "alice", "pull-requests", True,
     {"id": "INC-2041", "opened_at": "2026-10-21T08:40:00Z",
      "title": "dns-check reported stale records after the load-balancer migration"}),
    ("2026-10-21T10:20:00Z", 5, "hotfix-dns-stale", "alice", "pull-requests", False,
     {"id": "INC-2041"}),
    ("2026-10-23T16:05:00Z", 5, "main", "bob", "main", False, None),
    ("2026-10-26T09:40:00Z", 5, "port-scan-udp", "carol", "pull-requests", True, None),
    ("2026-10-27T11:15:00Z", 5, "port-scan-udp", "carol", "pull-requests", False, None),
    ("2026-10-28T14:50:00Z", 5, "main", "carol", "main", False, None),
    ("2026-10-30T17:10:00Z", 5, "main", "erin", "main", False, None),
    ("2026-11-02T09:00:00Z", 5, "backup-retention", "dave", "pull-requests", False, None),
    ("2026-11-04T14:00:00Z", 5, "hotfix-weekly-backups", "dave", "pull-requests", True,
     {"id": "INC-2057", "opened_at": "2026-11-04T13:10:00Z",
      "title": "backup rotation deleted the weekly backups"}),
    ("2026-11-04T15:45:00Z", 5, "hotfix-weekly-backups", "dave", "pull-requests", False,
     {"id": "INC-2057", "resolved_at": "2026-11-04T16:30:00Z"}),
    ("2026-11-06T11:30:00Z", 5, "main", "dave", "main", False, None),
    ("2026-11-09T09:20:00Z", 5, "main", "bob", "main", False, None),
    ("2026-11-10T13:55:00Z", 5, "onboard-groups", "frank", "pull-requests", False, None),
    ("2026-11-12T08:30:00Z", 5, "hotfix-vpn-group", "grace", "pull-requests", False,
     {"id": "INC-2063", "opened_at": "2026-11-12T07:50:00Z",
      "title": "new starters were not added to the vpn group"}),
    ("2026-11-13T15:10:00Z", 5, "main", "grace", "main", False, None),
]


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def set_state(repo, state, bug):
    """Copies the example, then undoes the fixes it has not had yet."""
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(EXAMPLE, repo, dirs_exist_ok=True)
    onboard = repo / "user-provisioning/onboard-user"
    if state < 1:  # no README for onboard-user; an unused import in dns-check
        (onboard / "README.md").unlink()
        edit(repo / "networking/dns-check/dns_check.py", "import argparse\n",
             "import argparse\nimport os\n")
    if state < 2:  # single owners
        edit(repo / "CODEOWNERS", "@bob @carol", "@bob")
        edit(repo / "CODEOWNERS", "@dave @erin", "@dave")
    if state < 3:  # backup-rotate without tests
        (repo / "database-management/backup-rotate/test_backup_rotate.py").unlink()
    if state < 4:  # an unpinned dependency
        with open(repo / "requirements.txt", "a") as f:
            f.write("requests>=2.31\n")
    if state < 5:  # a laptop path
        with open(repo / "networking/port-scan/port_scan.py", "a") as f:
            f.write('\nREPORTS = "/home/carol/scan-reports"\n')
    if bug:  # a pull request's own mistake, fixed in its next push
        edit(repo / "lib/opslib/config.py", "import os\n", "import os\nimport sys\n")


def main():
    for name in ("main", "pull-requests"):
        (HERE / f"{name}.jsonl").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="opsgate-history-") as scratch:
        repo = Path(scratch) / "ops-repo"
        repo.mkdir()
        git = lambda *args: subprocess.run(  # noqa: E731
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
        ).stdout.strip()
        git("init", "-q", "-b", "main")
        for number, (time, state, branch, actor, file, bug, incident) in enumerate(RUNS, 1):
            set_state(repo, state, bug)
            git("add", "-A")
            git("-c", "user.name=" + actor, "-c", f"user.email={actor}@example.com",
                "commit", "-q", "--allow-empty", "-m", f"{branch}: run {number}")
            sha = git("rev-parse", "HEAD")
            trail = Path(scratch) / f"{file}.jsonl"
            env = dict(os.environ, GITHUB_ACTIONS="true", GITHUB_SERVER_URL="https://github.com",
                       GITHUB_REPOSITORY="example-org/ops-scripts", GITHUB_RUN_ID=str(11_480_000 + number * 37),
                       GITHUB_RUN_ATTEMPT="1", GITHUB_ACTOR=actor, GITHUB_JOB="opsgate",
                       GITHUB_SHA=sha, GITHUB_REF_NAME=branch, NO_COLOR="1")
            for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_PATH", "GITLAB_CI"):
                env.pop(name, None)
            args = [OPSGATE, "check", str(repo), "--audit", str(trail)]
            for key, value in (incident or {}).items():
                args += ["--incident", f"{key}={value}"]
            done = subprocess.run(args, env=env, capture_output=True, text=True)
            if done.returncode not in (0, 1):
                sys.exit(f"run {number} could not judge:\n{done.stderr}")
            lines = trail.read_text().splitlines()
            record = json.loads(lines[-1])
            record["time"] = time
            lines[-1] = json.dumps(record, separators=(",", ":"))
            trail.write_text("\n".join(lines) + "\n")
            print(f"{time} {branch:24} {record['verdict']:7} {record['findings']['total']} findings")
        for name in ("main", "pull-requests"):
            shutil.copy(Path(scratch) / f"{name}.jsonl", HERE / f"{name}.jsonl")


if __name__ == "__main__":
    main()
