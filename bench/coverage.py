#!/usr/bin/env python3
"""What measuring coverage costs on top of the tests.

    python3 bench/coverage.py [--corpora example,synthetic-100,synthetic-20+busy]
                              [--runs 3] [--python PATH] [--no-build]

Per corpus (the example repository, the synthetic ops repositories of
bench/run.py, one test file per tool folder, and netaddr 1.3.0 from PyPI,
whose 343 tests need nothing but Python) it prints the median wall and
CPU time of `--runs` cold runs (no result cache) of the runs below. Their
tests take milliseconds, so the fixed costs of starting processes and
coverage.py dominate; `synthetic-N+busy` adds to each test file a test that
runs the tool's and the library's code for about half a second (`--busy`
iterations), as tests of real length do.

- opsgate with only pytest on, coverage off: the tests in one pytest process;
- opsgate with only pytest on, coverage on: one pytest session per folder
  of tests, each under coverage.py, in forks of a driver per core;
- pytest run directly once over every test file, and `coverage run -m
  pytest` the same way: coverage.py's own cost, the floor for any gate;
- pytest per folder, directly, with and without coverage: what the per-folder
  processes cost by themselves;
- pytest per folder in forks of one process that imported it, without
  coverage: the floor of a pytest session per folder.

The direct runs use the interpreter of opsgate's managed environment (the
pinned pytest and coverage) with the shared libraries on PYTHONPATH, as
opsgate runs them. `--python PATH` names another interpreter holding the
pinned pytest and coverage: opsgate then runs with `python = PATH`, and so do
the direct runs. On Python 3.12 and later (where opsgate sets
`COVERAGE_CORE=sysmon`) the direct coverage runs are measured with both of
coverage.py's cores. `--no-build` uses target/release/opsgate as it is.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import CORPORA, OPSGATE, REAL, ROOT, build, real_corpus, synthetic_corpus, synthetic_size

ONLY_PYTEST = "".join(
    f"[tools.{tool}]\nenabled = false\n" for tool in ("black", "flake8", "pylint")
)


# A pytest session per folder, each in a fork of this process, which has
# imported pytest once: what a session per folder costs at the least.
FORK_PER_FOLDER = """
import gc, os, sys
import pytest
gc.freeze()
for folder in sys.argv[1:]:
    child = os.fork()
    if child == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os._exit(int(pytest.main(["-q", "-p", "no:cacheprovider", folder])))
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{folder}: exit status {status}")
"""


def timed(argv, env, cwd):
    """(wall s, CPU s) of one run; exits on an unexpected status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, argv))} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return wall, cpu


def corpus(name, busy):
    """The corpus as a fresh copy (opsgate's configuration is written into it)."""
    base = name.removesuffix("+busy")
    if base == "example":
        source = ROOT / "examples" / "ops-repo"
    elif base in REAL:
        source = real_corpus(base)
    else:
        source = synthetic_corpus(synthetic_size(base))
    target = Path(tempfile.mkdtemp(prefix=f"opsgate-coverage-{base}-"))
    shutil.copytree(source, target, dirs_exist_ok=True)
    if name.endswith("+busy"):
        for test in target.rglob("test_tool_*.py"):
            module = test.stem.removeprefix("test_")
            with test.open("a") as handle:
                handle.write(
                    f"\n\ndef test_busy():\n"
                    f'    """Work of real length: the tool\'s and the library\'s code."""\n'
                    f"    for _ in range({busy}):\n"
                    f"        {module}.plan(list(range(20)), keep=3)\n"
                    f"        {module}.describe([1, 2, 3])\n"
                )
    return target


def opsgate_env(cache):
    env = dict(os.environ)
    env["OPSGATE_CACHE_DIR"] = str(cache)
    env["OPSGATE_NO_CACHE"] = "1"
    env.pop("CI", None)
    return env


def has_sysmon(version):
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (3, 12)


def managed_python(repo, env):
    """The managed environment's interpreter and its version, as opsgate reports them."""
    done = subprocess.run([OPSGATE, "check", "--format", "json", repo], env=env, capture_output=True, text=True)
    report = json.loads(done.stdout)
    return report["python"], report["python_version"]


def library_folders(repo):
    """What opsgate measures besides the folders of tests: the library
    folders, and the top-level packages (a real project's own code)."""
    named = [lib for lib in ("lib", "libs", "shared") if (repo / lib).is_dir()]
    packages = sorted(p.parent.name for p in repo.glob("*/__init__.py"))
    return named + packages


def test_folders(repo):
    """Each folder holding a test file, as opsgate groups them."""
    folders = sorted({p.parent for p in repo.rglob("test_*.py")} | {p.parent for p in repo.rglob("*_test.py")})
    return [str(f.relative_to(repo)) for f in folders]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="example,synthetic-100,synthetic-20+busy")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", type=int, default=100_000, help="iterations of a +busy corpus's added test")
    parser.add_argument("--python", help="an interpreter holding the pinned pytest and coverage")
    parser.add_argument("--no-build", action="store_true", help="use target/release/opsgate as it is")
    args = parser.parse_args()
    if not args.no_build:
        build()
    interpreter = f'python = "{args.python}"\n' if args.python else ""
    cache = CORPORA / "opsgate-cache"
    print(f"{'corpus':<16} {'run':<54} {'wall s':>7} {'CPU s':>7} {'× off':>6}")
    for name in args.corpora.split(","):
        repo = corpus(name, args.busy)
        env = opsgate_env(cache)
        rows = []

        def measure(label, argv, run_env, cwd=repo, setup=None):
            walls, cpus = [], []
            for _ in range(args.runs):
                if setup:
                    setup()
                wall, cpu = timed(argv, run_env, cwd)
                walls.append(wall)
                cpus.append(cpu)
            rows.append((label, statistics.median(walls), statistics.median(cpus)))

        def configure(coverage):
            (repo / "opsgate.toml").write_text(
                f"{interpreter}{ONLY_PYTEST}[tools.pytest]\ncoverage = {'true' if coverage else 'false'}\n"
                "[gate]\nmin_coverage = 0\n"
            )

        configure(True)
        python, version = managed_python(repo, env)
        measure("opsgate, coverage off (one process)", [OPSGATE, "check", repo], env, setup=lambda: configure(False))
        measure("opsgate, coverage on (a fork per folder)", [OPSGATE, "check", repo], env, setup=lambda: configure(True))
        (repo / "opsgate.toml").unlink()
        direct = dict(os.environ)
        libraries = library_folders(repo)
        libs = [str(repo / lib) for lib in ("lib", "libs", "shared") if (repo / lib).is_dir()]
        direct["PYTHONPATH"] = os.pathsep.join(libs)
        direct["PYTHONDONTWRITEBYTECODE"] = "1"
        data = tempfile.mkdtemp(prefix="opsgate-coverage-data-")
        direct["COVERAGE_FILE"] = os.path.join(data, ".coverage")
        folders = test_folders(repo)
        pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        measure("pytest, one process", pytest + folders, direct)
        sources = ",".join(folders + libraries)
        # Python 3.12+: the C tracer and sys.monitoring both; before: the one core.
        cores = ["ctrace", "sysmon"] if has_sysmon(version) else [None]

        def with_core(core):
            return dict(direct, COVERAGE_CORE=core) if core else direct

        def core_label(core):
            return f" ({core})" if core else ""

        for core in cores:
            measure(f"coverage run -m pytest, one process{core_label(core)}",
                    [python, "-m", "coverage", "run", f"--source={sources}", "-m", "pytest", "-q", "-p", "no:cacheprovider"] + folders,
                    with_core(core))
        measure("pytest, a fork per folder from one process (floor)",
                [python, "-c", FORK_PER_FOLDER] + folders, direct)
        script = repo.parent / f"{repo.name}-per-folder.sh"
        per_folder = "\n".join(f"{' '.join(pytest)} {f} >/dev/null" for f in folders)
        script.write_text(f"set -e\n{per_folder}\n")
        measure("pytest, a process per folder (sequential)", ["bash", script], direct)
        per_folder_cov = "\n".join(
            f"{python} -m coverage run --source={','.join([f] + libraries)} -m pytest -q -p no:cacheprovider {f} >/dev/null"
            for f in folders
        )
        script.write_text(f"set -e\n{per_folder_cov}\n")
        for core in cores:
            measure(f"coverage run -m pytest, a process per folder{core_label(core)}", ["bash", script], with_core(core))
        off = rows[0][1]
        for label, wall, cpu in rows:
            print(f"{name:<16} {label:<54} {wall:>7.2f} {cpu:>7.2f} {wall / off:>6.2f}")
        cores_note = "" if has_sysmon(version) else " (coverage.py's sys.monitoring core needs 3.12+: not measured here)"
        print(f"{name:<16} {len(folders)} folders of tests; Python {version}{cores_note}")
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
        script.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
