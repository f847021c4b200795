#!/usr/bin/env python3
"""What checking one changed file costs the tools themselves, start-up apart.

    python3 bench/floor.py [--corpus synthetic-100] [--runs 5]

For the file bench/run.py changes (a test module nothing imports), each tool
runs in a fresh interpreter of opsgate's managed environment, as opsgate and
the tools' own command lines start it, and reports two times from inside:
importing the tool, and the tool's own work on that file once imported (its
command-line entry point called in the process: Black, Flake8 and Pylint on
the file, pytest on its folder). Pylint's work includes what astroid builds
afresh in every process (the `builtins` module and whatever the file makes it
infer), so it is the least any run pays that checks the file with a fresh
Pylint, with its interpreter already started and the tool imported.

It prints the median of `--runs` runs per tool, then the sum of the work and
the bound it sets on the wall time of a run on this machine's cores (the
longest tool alone, or the sum spread over every core, whichever is larger),
beside opsgate's cold run of the corpus (`--no-cache`, Black's and Pylint's\nown caches emptied).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import CORPORA, OPSGATE, build, synthetic_corpus, tools_python, untouched_file

# Runs in the tool's interpreter: argv[1] is the tool, the rest its arguments.
HARNESS = r"""
import contextlib, io, sys, time
tool, args = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
if tool == "black":
    import black
    main = lambda: black.main(args, standalone_mode=False)
elif tool == "flake8":
    from flake8.main.application import Application
    main = lambda: Application().run(args)
elif tool == "pylint":
    from pylint.lint import Run
    main = lambda: Run(args, exit=False)
else:
    import pytest
    main = lambda: pytest.main(args)
imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
done = time.perf_counter()
print(f"{imported - start:.4f} {done - imported:.4f}", file=sys.stderr)
"""


def tool_args(relative):
    return {
        "black": ["--check", "-q", str(relative)],
        "flake8": [str(relative)],
        "pylint": [str(relative)],
        "pytest": ["-q", "-p", "no:cacheprovider", str(relative.parent)],
    }


def run_tool(python, tool, args, corpus, env):
    """(import s, work s, process wall s) of one fresh run."""
    start = time.monotonic()
    done = subprocess.run(
        [python, "-c", HARNESS, tool, *args], cwd=corpus, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    wall = time.monotonic() - start
    last = done.stderr.strip().splitlines()[-1:] or [""]
    try:
        imported, work = (float(x) for x in last[0].split())
    except ValueError:
        sys.exit(f"{tool} did not report its times:\n{done.stderr}")
    return imported, work, wall


def cold_run(corpus, config, env):
    """opsgate with an empty result cache, as bench/run.py's cold run: a
    cache folder of its own that shares the tool environments and holds
    what the benchmark's keeps besides (measured costs, facts about the
    setup), but no results and no Black or Pylint caches."""
    shared = Path(env["OPSGATE_CACHE_DIR"])
    with tempfile.TemporaryDirectory() as cache:
        os.symlink(shared / "envs", Path(cache) / "envs")
        for kept in ("base-python", "costs", "facts"):
            if (shared / kept).is_dir():
                shutil.copytree(shared / kept, Path(cache) / kept)
        start = time.monotonic()
        subprocess.run(
            [OPSGATE, "check", ".", "--config", config, "--format", "json"],
            cwd=corpus, env=dict(env, OPSGATE_CACHE_DIR=cache),
            stdout=subprocess.DEVNULL, check=False,
        )
        return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="synthetic-100")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = build()
    python = tools_python(env)
    corpus = synthetic_corpus(int(args.corpus.split("-")[1]))
    env["PYTHONPATH"] = str(corpus / "lib")
    config = CORPORA / f"{args.corpus}.opsgate.toml"
    config.write_text("")
    relative = untouched_file(corpus).relative_to(corpus)
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; {args.corpus}, one file: {relative}; median of {args.runs} runs\n")
    print("| tool | import s | own work s | process wall s |")
    print("|---|---:|---:|---:|")
    works = {}
    for tool, targs in tool_args(relative).items():
        runs = [run_tool(python, tool, targs, corpus, env) for _ in range(args.runs)]
        imported, work, wall = (statistics.median(r[i] for r in runs) for i in range(3))
        works[tool] = work
        print(f"| {tool} | {imported:.3f} | {work:.3f} | {wall:.3f} |")
    total = sum(works.values())
    bound = max(max(works.values()), total / cores)
    colds = [cold_run(corpus, config, env) for _ in range(3)]
    cold = statistics.median(colds)
    print(f"\nthe tools' own work on that file: {total:.3f} s; on {cores} cores a run that "
          f"checks it takes at least {bound:.3f} s")
    print(f"opsgate cold on {args.corpus}: {cold:.2f} s (median of 3); the least a run after "
          f"that change can take is {100 * bound / cold:.1f} % of it")


if __name__ == "__main__":
    main()
