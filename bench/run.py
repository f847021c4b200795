#!/usr/bin/env python3
"""Benchmark: opsgate against the ways teams run the same tools today.

    python3 bench/run.py [--corpora netmiko,synthetic-100,synthetic-1000[,scapy,synthetic-10000]]
                         [--timeout SECONDS] [--no-compare] [--tools default|all|ruff]

Prepares its corpora itself under bench/.corpora (git-ignored): the pinned
source distributions of real projects from PyPI (`REAL`: netmiko 4.8.0, 350
modules of network automation code; scapy 2.8.0, 398 modules of packet
tooling full of import cycles) and synthetic ops repositories generated
deterministically.
For each corpus it prints, side by side: opsgate cold (empty result cache),
opsgate warm (no change), opsgate after one file that nothing imports changed,
`opsgate check --changed` on that change, the tools run directly on that one
file, the sequential script (black --check; flake8; pylint; pytest, one after
another) and `pre-commit run --all-files` with local hooks running the same
tools at the same versions. Each row gives wall time, CPU time (user + system
of every process), peak memory (the largest process), the ratio of wall time
to the ideal (the tools' total CPU time, each run alone at its defaults,
divided by the cores) and to opsgate's cold run.

netmiko's own tests need network devices and scapy's source distribution
ships none (its tests are UTscapy campaigns, many needing network or root), so
pytest is left out on those corpora (for every contender alike); the
synthetic corpora include it. On
synthetic-10000 Pylint's duplicate-code is off for every contender alike (a
`.pylintrc` in the corpus): it compares every pair of files, and on 10,000
files made from one template that is hours for anyone. Run directly, Pylint
also spends hours there looking every import up in 5,000 tool folders, so
that corpus is measured with `--timeout 600 --no-compare`: a command stopped
at the timeout gives lower bounds (its row says "≥", the ideal too).

`--tools` picks the set every contender runs: `default` (Black, Flake8,
Pylint, pytest), `all` (those and Ruff's linter and formatter, mypy, Bandit
and ShellCheck) or `ruff` (Ruff's linter and formatter in place of Flake8 and
Black, with Pylint and pytest).
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "bench" / ".corpora"
OPSGATE = ROOT / "target" / "release" / "opsgate"


class Real(NamedTuple):
    """A real project from PyPI: its pinned version; whether its own tests
    run here (without network, devices or root), so that pytest is a
    contender's step; the module the one-change run edits, one that nothing
    imports (None: the test module `untouched_file` picks)."""

    version: str
    with_pytest: bool
    untouched: Optional[str] = None


REAL = {
    "netmiko": Real("4.8.0", with_pytest=False),
    # Cisco Discovery Protocol: loaded on request (`load_contrib("cdp")`),
    # imported by no module.
    "scapy": Real("2.8.0", with_pytest=False, untouched="scapy/contrib/cdp.py"),
    # IP and MAC addresses; its tests (5 folders, 343 tests) need nothing but
    # Python. Measured by bench/coverage.py.
    "netaddr": Real("1.3.0", with_pytest=True),
}

MEASURE = r"""
import json, os, resource, signal, subprocess, sys, time


def session_cpu(sid):
    # CPU seconds so far of every process of the session, with the children
    # each has reaped: what a run that is about to be stopped has used.
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[3] == str(sid):
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


keep = os.environ.get("BENCH_STDOUT")
out = open(keep, "wb") if keep else subprocess.DEVNULL
timeout = float(os.environ.get("BENCH_TIMEOUT") or 0) or None
start = time.monotonic()
run = subprocess.Popen(sys.argv[2:], cwd=sys.argv[1], stdout=out,
                       stderr=subprocess.DEVNULL, start_new_session=True)
try:
    code, stopped = run.wait(timeout=timeout), False
except subprocess.TimeoutExpired:
    used = session_cpu(run.pid)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    code, stopped = None, True
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used if stopped else usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024,
                  "code": code, "stopped": stopped}))
"""

# Seconds after which a measured command is stopped (`--timeout`); its row
# then gives lower bounds.
TIMEOUT = None


def measure(cwd, argv, env, keep_stdout=None):
    """Runs argv in a fresh measuring process, so rusage covers only it;
    its stdout goes to `keep_stdout` if given. Each measure is said on
    stderr as it ends (long corpora run for an hour)."""
    if keep_stdout:
        env = dict(env, BENCH_STDOUT=str(keep_stdout))
    # Black keeps what it has checked in a cache of its own: each contender
    # starts with an empty one, as on a fresh CI machine (opsgate keeps its
    # Black cache in its own folder, which a cold run empties).
    if TIMEOUT:
        env = dict(env, BENCH_TIMEOUT=str(TIMEOUT))
    with tempfile.TemporaryDirectory(prefix="bench-black-") as black_cache:
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(cwd), *map(str, argv)],
            env=dict(env, BLACK_CACHE_DIR=black_cache), capture_output=True,
            text=True, check=True,
        )
    measured = json.loads(out.stdout)
    command = " ".join(map(str, argv))[-100:]
    stopped = " (stopped at the timeout)" if measured["stopped"] else ""
    print(f"bench: {cwd.name}: {measured['wall']:.2f} s wall, {measured['cpu']:.1f} s CPU"
          f"{stopped}: ...{command}", file=sys.stderr, flush=True)
    return measured


def cross_file_heading(message):
    """A cross-file message without the code it quotes (Pylint quotes any
    copy of a duplicated block, opsgate the first)."""
    message = message.replace(" (duplicate-code)", "").replace(" (cyclic-import)", "")
    if not message.startswith("Similar lines"):
        return message
    return "\n".join(line for line in message.splitlines()
                     if line.startswith(("Similar lines", "==")))


def direct_findings(corpus, python, env, with_pytest):
    """What the tools report run directly on the files opsgate checks (in
    its order), the way opsgate reports it: with the interpreter opsgate
    used (its environment holds the corpus's declared requirements) and its
    import path (`lib`, and the root when a top-level folder is a package);
    Pylint with the hash seed opsgate fixes, so that its cycle search is
    repeatable."""
    roots = [corpus / "lib"] if (corpus / "lib").is_dir() else []
    if any((folder / "__init__.py").is_file() for folder in corpus.iterdir()):
        roots.append(corpus)
    env = dict(env, PYTHONPATH=os.pathsep.join(map(str, roots)), PYTHONNOUSERSITE="1")
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=corpus, capture_output=True,
                           text=True, check=True).stdout.split()
    files.sort()
    run = lambda *argv, **extra: subprocess.run(  # noqa: E731
        [python, "-m", *argv], cwd=corpus, env=dict(env, **extra), capture_output=True, text=True)
    found = {}
    black = run("black", "--check", "--", *files)
    found["black"] = sorted(line.split(" ", 2)[2] for line in black.stderr.splitlines()
                            if line.startswith("would reformat "))
    flake8 = run("flake8", "--format=%(path)s:%(row)d:%(col)d:%(code)s", "--", *files)
    found["flake8"] = sorted(flake8.stdout.split())
    pylint = run("pylint", "--output-format=json2", "--", *files, PYTHONHASHSEED="0")
    found["pylint"] = sorted(
        f"{m['path']}:{m['line']}:{m['messageId']}:{cross_file_heading(m['message'])}"
        if m["messageId"] in ("R0801", "R0401") else f"{m['path']}:{m['line']}:{m['messageId']}"
        for m in json.loads(pylint.stdout)["messages"])
    if with_pytest:
        pytest = run("pytest", "-q", "-p", "no:cacheprovider", "--junitxml=/dev/null")
        found["pytest"] = pytest.stdout.strip().splitlines()[-1].split(" in ")[0] if pytest.stdout.strip() else ""
    return found


def gate_findings(report, with_pytest):
    """opsgate's JSON report in the shape of `direct_findings`."""
    findings = report["findings"]
    of = lambda tool: [f for f in findings if f["tool"] == tool]  # noqa: E731
    found = {
        "black": sorted(f["path"] for f in of("black")),
        "flake8": sorted(f"{f['path']}:{f['line']}:{f['column']}:{f['rule']}" for f in of("flake8")),
        "pylint": sorted(
            f"{f['path']}:{f['line']}:{f['rule']}:{cross_file_heading(f['message'])}"
            if f["rule"] in ("R0801", "R0401") else f"{f['path']}:{f['line']}:{f['rule']}"
            for f in of("pylint")),
    }
    if with_pytest:
        counts = {}
        for test in report["tests"]:
            counts[test["outcome"]] = counts.get(test["outcome"], 0) + 1
        found["pytest"] = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    return found


def compare_findings(gate, direct):
    """One line per tool: the count, and whether opsgate's equal the direct run's."""
    lines = []
    for tool, expected in direct.items():
        got = gate.get(tool)
        if tool == "pytest":
            lines.append(f"- pytest: opsgate {got}; directly `{expected}`")
            continue
        same = got == expected
        verdict = "same" if same else (
            f"DIFFERENT: {len(set(got) - set(expected))} only in opsgate, "
            f"{len(set(expected) - set(got))} only run directly, e.g. "
            f"{sorted(set(got) ^ set(expected))[:3]}")
        lines.append(f"- {tool}: {len(got)} findings, {verdict}")
    return lines


def shell(script):
    return ["bash", "-c", script]


def build():
    """Builds opsgate's release binary; the environment its runs get (the
    benchmark's own cache folder unless OPSGATE_CACHE_DIR names one)."""
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    env = dict(os.environ, NO_COLOR="1")
    env.setdefault("OPSGATE_CACHE_DIR", str(CORPORA / "opsgate-cache"))
    return env


def tools_python(env, tool_set="default"):
    """The interpreter of opsgate's managed environment holding `tool_set`
    (provisioned on first use)."""
    with tempfile.TemporaryDirectory() as empty:
        (Path(empty) / "opsgate.toml").write_text(tool_config(tool_set, True))
        out = subprocess.run(
            [OPSGATE, "check", empty, "--format", "json"],
            env=env, capture_output=True, text=True,
        )
    return json.loads(out.stdout)["python"]


def real_corpus(name):
    version = REAL[name].version
    target = CORPORA / f"{name}-{version}"
    if not target.is_dir():
        CORPORA.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "-d", CORPORA, f"{name}=={version}"],
            check=True,
        )
        # Without the archive's owners: extracted by root as they are, git
        # refuses a repository someone else owns ("dubious ownership").
        shutil.unpack_archive(CORPORA / f"{name}-{version}.tar.gz", CORPORA, filter="data")
    return target


SCRIPT = '''"""Rotate {what} for {domain}."""

import argparse

from opslib import settings


def plan(items, keep={keep}):
    """Return the {what} to keep, newest first."""
    ordered = sorted(items, reverse=True)
    return ordered[:keep]


def describe(items):
    """Summarise the plan for the log."""
    kept = plan(items)
    return f"{{len(kept)}} of {{len(items)}} kept in {{settings()['region']}}"


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=int, default={keep})
    args = parser.parse_args(argv)
    print(plan(list(range(args.keep * 2)), args.keep))


if __name__ == "__main__":
    main()
'''

TEST = '''"""Tests for {module}."""

import {module}


def test_plan_keeps_the_newest():
    """The newest items are kept."""
    assert {module}.plan([1, 3, 2], keep=2) == [3, 2]


def test_describe_counts():
    """The summary counts what is kept."""
    assert {module}.describe([1, 2]).startswith("2 of 2")
'''


def synthetic_corpus(files):
    """A deterministic ops repository of about `files` Python files."""
    target = CORPORA / f"synthetic-{files}"
    if target.is_dir():
        return target
    rng = random.Random(files)
    lib = target / "lib" / "opslib"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text(
        '"""Shared helpers."""\n\n\ndef settings():\n    """Return the settings."""\n'
        '    return {"region": "eu-west-1"}\n'
    )
    domains = ["networking", "database-management", "user-provisioning", "storage"]
    tools = max(1, (files - 1) // 2)
    for index in range(tools):
        domain = domains[index % len(domains)]
        module = f"tool_{index:05d}"
        folder = target / domain / module.replace("_", "-")
        folder.mkdir(parents=True)
        what = rng.choice(["backups", "snapshots", "log files", "certificates"])
        (folder / f"{module}.py").write_text(
            SCRIPT.format(what=what, domain=domain, keep=rng.randint(2, 9))
        )
        (folder / f"test_{module}.py").write_text(TEST.format(module=module))
        (folder / "README.md").write_text(
            f"# {module}\n\n## Purpose\nRotates {what}.\n\n## Usage\n`--keep N`\n\n"
            "## Output\nThe kept items.\n"
        )
    return target


def synthetic_size(name):
    """The N of `synthetic-N`; anything else is a clear error."""
    size = name.removeprefix("synthetic-")
    if name.startswith("synthetic-") and size.isdigit():
        return int(size)
    sys.exit(f"bench: unknown corpus {name!r}: one of {', '.join(REAL)} or synthetic-N")


# Per tool set: (tool, the command run directly on the whole corpus, the
# pre-commit hook's entry, its arguments, the files it takes), pytest aside.
TOOL_SETS = {
    "default": ["black", "flake8", "pylint"],
    "all": ["black", "flake8", "pylint", "ruff", "ruff-format", "mypy", "bandit", "shellcheck"],
    "ruff": ["ruff", "ruff-format", "pylint"],
}
DIRECT = {
    "black": ("-m black --check -q .", "black", "        args: [--check]\n", "python"),
    "flake8": ("-m flake8 .", "flake8", "", "python"),
    "pylint": ("-m pylint --recursive=y . >/dev/null", "pylint", "", "python"),
    "ruff": ("-m ruff check --no-cache -q .", "ruff", "        args: [check, --no-cache]\n",
             "python"),
    "ruff-format": ("-m ruff format --check --no-cache -q .", "ruff",
                    "        args: [format, --check, --no-cache]\n", "python"),
    "mypy": ("-m mypy --cache-dir=/dev/null . >/dev/null", "mypy", "", "python"),
    "bandit": ("-m bandit -q -r . >/dev/null", "bandit", "", "python"),
    "shellcheck": ("SHELL_FILES", "shellcheck", "", "shell"),
}


def tool_config(tool_set, with_pytest):
    """The opsgate configuration that runs `tool_set` (and pytest or not)."""
    pytest = "" if with_pytest else "[tools.pytest]\nenabled = false\n"
    if tool_set == "default":
        return pytest
    on = set(TOOL_SETS[tool_set])
    tables = [f"[tools.{tool}]\nenabled = {'true' if tool in on else 'false'}\n"
              for tool in TOOL_SETS["all"]]
    return "\n".join(tables + ([pytest] if pytest else []))


def contenders(corpus, python, with_pytest, tool_set="default"):
    bindir = Path(python).parent
    steps = []
    for tool in TOOL_SETS[tool_set]:
        command = DIRECT[tool][0]
        if command == "SHELL_FILES":
            steps.append(f"git ls-files -z '*.sh' | xargs -0 -r {bindir}/shellcheck >/dev/null")
        else:
            steps.append(f"{python} {command}")
    if with_pytest:
        steps.append(f"{python} -m pytest -q -p no:cacheprovider")
    hooks = "\n".join(
        f"      - id: {tool}\n        name: {tool}\n        entry: {bindir}/{DIRECT[tool][1]}\n"
        f"        language: system\n        types: [{DIRECT[tool][3]}]\n{DIRECT[tool][2]}"
        for tool in TOOL_SETS[tool_set]
    )
    if with_pytest:
        hooks += (
            f"\n      - id: pytest\n        name: pytest\n        entry: {bindir}/pytest -p no:cacheprovider\n"
            "        language: system\n        pass_filenames: false\n        always_run: true\n"
        )
    (corpus / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: local\n    hooks:\n{hooks}\n"
    )
    return {
        "sequential": shell("; ".join(steps)),
        "pre-commit": [bindir / "pre-commit", "run", "--all-files"],
        "tools alone": steps,
    }


def git_commit(corpus):
    """pre-commit wants a repository with its configuration committed."""
    if not (corpus / ".git").is_dir():
        subprocess.run(["git", "init", "-q"], cwd=corpus, check=True)
    subprocess.run(["git", "add", "-A"], cwd=corpus, check=True)
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
         "commit", "-q", "--allow-empty", "-m", "corpus"], cwd=corpus, check=True,
    )


def untouched_file(name, corpus):
    """A Python file that nothing imports: the one a real corpus names, else
    a test module, in the middle."""
    if name in REAL and REAL[name].untouched:
        return corpus / REAL[name].untouched
    tests = sorted(p for p in corpus.rglob("test_*.py") if "/.git/" not in str(p))
    return tests[len(tests) // 2]


def share(m, cold_stopped, cold_wall):
    """A run's wall time in % of the cold run's, bounded where either stopped."""
    if m["stopped"] and cold_stopped:
        return "?"
    bound = "≥ " if m["stopped"] else "≤ " if cold_stopped else ""
    return f"{bound}{100 * m['wall'] / cold_wall:.1f}"


def cold(env):
    """Empties the result cache and Black's own, keeping the tool environments."""
    cache = Path(env["OPSGATE_CACHE_DIR"])
    for kept in ("results", "black", "pylint"):
        shutil.rmtree(cache / kept, ignore_errors=True)


def bench(name, corpus, python, env, cores, compare, tool_set="default"):
    with_pytest = REAL[name].with_pytest if name in REAL else True
    config = corpus.parent / f"{name}.opsgate.toml"
    config.write_text(tool_config(tool_set, with_pytest))
    plan = contenders(corpus, python, with_pytest, tool_set)
    if name == "synthetic-10000":
        # Pylint's duplicate-code compares every pair of files: on 10,000
        # files of one template, hours for every contender. Off for all alike.
        (corpus / ".pylintrc").write_text("[MESSAGES CONTROL]\ndisable=duplicate-code\n")
    git_commit(corpus)
    # The shared library is importable, as a team's script would arrange.
    env = dict(env, PYTHONPATH=str(corpus / "lib"))
    alone = [measure(corpus, shell(step), env) for step in plan["tools alone"]]
    ideal_cpu = sum(m["cpu"] for m in alone)
    ideal = ideal_cpu / cores
    # A tool stopped at the timeout: the ideal is at least this.
    ideal_bound = "≥ " if any(m["stopped"] for m in alone) else ""
    gate = [OPSGATE, "check", ".", "--config", config, "--format", "json"]
    cold(env)
    cold_report = corpus.parent / f"{name}.cold.json"
    rows = [("opsgate cold", measure(corpus, gate, env, keep_stdout=cold_report))]
    rows.append(("opsgate warm, no change", measure(corpus, gate, env)))
    changed = untouched_file(name, corpus)
    relative = changed.relative_to(corpus)
    original = changed.read_text()
    # An edit inside the file, as a fix would be: its imports stay the same.
    changed.write_text(original + "\n\ndef touched():\n    \"\"\"A change.\"\"\"\n    return 1\n")
    try:
        rows.append((f"opsgate, one file changed ({relative})", measure(corpus, gate, env)))
        # Without the cache, so that it shows what --changed alone saves.
        rows.append(("opsgate --changed --no-cache, that change",
                     measure(corpus, gate + ["--changed", "--base", "HEAD", "--no-cache"], env)))
        direct = [
            f"{python} -m black --check -q {relative}",
            f"{python} -m flake8 {relative}",
            f"{python} -m pylint {relative} >/dev/null",
        ]
        if with_pytest:
            direct.append(f"{python} -m pytest -q -p no:cacheprovider {relative.parent}")
        rows.append(("tools directly on that file", measure(corpus, shell("; ".join(direct)), env)))
    finally:
        changed.write_text(original)
    rows.append(("sequential script", measure(corpus, plan["sequential"], env)))
    rows.append(("pre-commit run --all-files", measure(corpus, plan["pre-commit"], env)))
    files = len(list(corpus.rglob("*.py")))
    tools = "" if tool_set == "default" else f"; tools: {', '.join(TOOL_SETS[tool_set])}"
    print(f"\n### {name} ({files} Python files{'' if with_pytest else ', no pytest'}{tools})\n")
    print(f"ideal: {ideal_bound}{ideal:.1f} s (tools' CPU {ideal_bound}{ideal_cpu:.1f} s / "
          f"{cores} cores{'; a tool stopped at the timeout' if ideal_bound else ''})\n")
    if compare and tool_set == "default":
        report = json.loads(cold_report.read_text())
        direct = direct_findings(corpus, report["python"], env, with_pytest)
        print("opsgate cold against the tools run directly on the same files:\n")
        print("\n".join(compare_findings(gate_findings(report, with_pytest), direct)) + "\n")
    print("| run | wall s | CPU s | peak MB | × ideal | % of cold | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    cold_wall, cold_stopped = rows[0][1]["wall"], rows[0][1]["stopped"]
    for label, m in rows:
        # A stopped run took at least this; against an ideal that is a lower
        # bound, a finished run's ratio is at most this.
        at_least = "≥ " if m["stopped"] else ""
        ratio = "?" if m["stopped"] and ideal_bound else (
            f"{at_least or ('≤ ' if ideal_bound else '')}{m['wall'] / ideal:.2f}")
        print(f"| {label} | {at_least}{m['wall']:.2f} | {at_least}{m['cpu']:.1f} | "
              f"{m['rss_mb']:.0f} | {ratio} | {share(m, cold_stopped, cold_wall)} | "
              f"{'stopped' if m['stopped'] else m['code']} |")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpora", default="netmiko,synthetic-100,synthetic-1000",
        help=f"comma-separated: {', '.join(REAL)}, synthetic-N (synthetic-10000: use "
             "--timeout 600 --no-compare; Pylint run directly spends hours on it)",
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS",
        help="stop any measured command after this long; its row then gives lower bounds "
             "(synthetic-10000: Pylint run directly spends hours on 10,000 folders)",
    )
    parser.add_argument(
        "--no-compare", action="store_true",
        help="skip comparing opsgate's findings with the tools run directly (one more run of each)",
    )
    parser.add_argument(
        "--tools", default="default", choices=sorted(TOOL_SETS),
        help="the tools every contender runs: default (Black, Flake8, Pylint, pytest), all "
             "(and Ruff, mypy, Bandit, ShellCheck), ruff (Ruff in place of Black and Flake8)",
    )
    args = parser.parse_args()
    global TIMEOUT  # pylint: disable=global-statement
    TIMEOUT = args.timeout
    names = args.corpora.split(",")
    # A misspelt name fails now, not after the corpora before it ran.
    sizes = {name: synthetic_size(name) for name in names if name not in REAL}
    env = build()
    python = tools_python(env, args.tools)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "pre-commit==4.7.0"], check=True,
    )
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, {os.uname().sysname} {os.uname().machine}; "
          f"opsgate {subprocess.run([OPSGATE, '--version'], capture_output=True, text=True).stdout.strip()}")
    for name in names:
        corpus = real_corpus(name) if name in REAL else synthetic_corpus(sizes[name])
        bench(name, corpus, python, env, cores, compare=not args.no_compare,
              tool_set=args.tools)


if __name__ == "__main__":
    main()
