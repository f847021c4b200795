#!/usr/bin/env python3
"""opsgate's own overhead: `check` with every tool off, so no tool runs.

    python3 bench/overhead.py [--corpora synthetic-1000,synthetic-10000] [--runs 5]

What is left is opsgate's own work: walk and classify, configuration and
scopes, the built-in rules, fingerprints and the report. On the synthetic
corpora of bench/run.py (generated the same way, under bench/.corpora) it
prints the median wall time of `--runs` runs, with a cold result cache (a new,
empty cache folder per run) and a warm one (the folder of an earlier run),
the CPU time (user + system), and the median of each phase as
`OPSGATE_TIMINGS=1` reports it on the warm runs.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from run import CORPORA, OPSGATE, build, synthetic_corpus

TOOLS_OFF = "".join(
    f"[tools.{tool}]\nenabled = false\n" for tool in ("black", "flake8", "pylint", "pytest")
)


def timed(argv, env):
    """(wall s, CPU s, stderr) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"opsgate exited {done.returncode}: {done.stderr}")
    return wall, cpu, done.stderr


def phases(stderr):
    """{phase: ms} from the `opsgate: timing:` lines."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith("opsgate: timing:"):
            name, ms, _ = line.removeprefix("opsgate: timing:").split()
            found[name] = float(ms)
    return found


def measure(name, runs):
    corpus = synthetic_corpus(int(name.split("-")[1]))
    config = CORPORA / f"{name}.overhead.toml"
    config.write_text(TOOLS_OFF)
    files = sum(len(names) for folder, _, names in os.walk(corpus) if "/.git" not in folder)
    argv = [OPSGATE, "check", corpus, "--config", config, "--format", "json"]
    env = dict(os.environ, NO_COLOR="1", OPSGATE_TIMINGS="1")
    cold, warm, laps = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            env["OPSGATE_CACHE_DIR"] = os.path.join(scratch, f"cold-{run}")
            cold.append(timed(argv, env))
        env["OPSGATE_CACHE_DIR"] = os.path.join(scratch, "warm")
        timed(argv, env)
        for _ in range(runs):
            wall, cpu, stderr = timed(argv, env)
            warm.append((wall, cpu, stderr))
            laps.append(phases(stderr))
    median = lambda values: statistics.median(values) * 1000  # noqa: E731
    print(f"| {name} | {files} | {median([w for w, _, _ in cold]):.0f} | "
          f"{median([w for w, _, _ in warm]):.0f} | {median([c for _, c, _ in warm]):.0f} |")
    return {phase: statistics.median(lap[phase] for lap in laps) for phase in laps[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="synthetic-1000,synthetic-10000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    build()
    print(f"machine: {os.cpu_count()} cores; "
          f"{subprocess.run([OPSGATE, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"median of {args.runs} runs, every tool off\n")
    print("| corpus | files | cold ms | warm ms | warm CPU ms |")
    print("|---|---:|---:|---:|---:|")
    by_corpus = {name: measure(name, args.runs) for name in args.corpora.split(",")}
    names = list(by_corpus)
    print("\nphases (warm, median ms, OPSGATE_TIMINGS):\n")
    print("| phase | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for phase in by_corpus[names[0]]:
        print(f"| {phase} | " + " | ".join(f"{by_corpus[n].get(phase, 0):.1f}" for n in names) + " |")


if __name__ == "__main__":
    main()
