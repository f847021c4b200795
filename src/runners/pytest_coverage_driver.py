"""opsgate's driver for pytest under coverage.py: `python -c <this> SPEC ARGS...`
runs, for each folder of tests in SPEC, what `coverage run
--source=SOURCES -m pytest ARGS... --junitxml=JUNIT -- TESTS...` does, as a
team runs it by hand, and writes coverage.py's JSON report of its FILES.

SPEC is a JSON object: `runs`, one per folder of tests, each with `folder`
(its name, given back with its status), `source`
(the folders measured), `files` (the Python files of the repository to
report, relative to the working folder), `tests` (the test files), and
`data_file`, `report` and `junit` (paths outside the repository); and
`statuses`, where each run's `folder` and pytest exit `status` are written
as a JSON list once every run ended. The driver's own status is 0 unless it failed itself.

Each run is a process of its own, as a direct run is: a library's
module-level lines run once per process, and each folder's figures must hold
what its own tests executed. One run is this process; several are forks
of it (opsgate gives several only where processes fork), made after it
imported pytest and coverage.py once: each starts where a direct run would
be after its imports.

The repository's coverage configuration (.coveragerc, setup.cfg, tox.ini,
pyproject.toml) is read as `coverage run` reads it. Reporting only FILES keeps
coverage.py from reading what opsgate's walk did not take for a Python file:
a FIFO named `*.py` in a measured folder would block a direct run forever.
The report is written whatever pytest's outcome.
"""

import gc
import importlib
import importlib.util
import json
import os
import sys
import traceback

import coverage
import pytest


def measure(run, args):
    """One folder's tests under coverage.py; pytest's exit status."""
    cov = coverage.Coverage(
        source=run["source"], data_file=run["data_file"], config_file=True
    )
    cov.start()
    try:
        status = pytest.main(args + ["--junitxml=" + run["junit"], "--"] + run["tests"])
    finally:
        cov.stop()
        cov.save()
    try:
        # Named files are reported even where `[run] omit` kept them from
        # being measured: a direct run leaves them out, so this report does too.
        omit = (cov.get_option("run:omit") or []) + (
            cov.get_option("report:omit") or []
        )
        # A file coverage.py cannot parse is not measurable: the linters say
        # why. As a direct run: a script without the `.py` suffix only once
        # it ran (coverage.py's search for unexecuted files looks for `*.py`).
        ran = {os.path.realpath(path) for path in cov.get_data().measured_files()}
        files = [
            path
            for path in run["files"]
            if path.endswith((".py", ".pyw")) or os.path.realpath(path) in ran
        ]
        cov.json_report(morfs=files, outfile=run["report"], omit=omit, ignore_errors=True)
    except coverage.exceptions.NoDataError:
        # Nothing of FILES was measured or found: an empty report.
        with open(run["report"], "w", encoding="utf-8") as handle:
            json.dump({"files": {}}, handle)
    return int(status)


def forked(run, args):
    """`measure` in a fork of this process; its exit status (negative: the
    signal that ended it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        status = 70  # EX_SOFTWARE: the driver failed in the child
        try:
            status = measure(run, args)
        except BaseException:  # a crash is reported, never taken for a pass
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    _, wait = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(wait)


def prepare_forks(plugins):
    """Does once, before the forks, what every fork would repeat: imports
    pytest's own plugins and `plugins`, and what coverage.py loads when it starts (a
    measurement of nothing, started and stopped), then freezes what this
    process holds out of the garbage collector, so that the forks share it
    instead of each touching (and so copying) all of it. Measured on 49
    folders of tests: a fifth of the time per fork."""
    try:
        import _pytest.config  # pytest's list of its own plugins; private, so optional

        for name in _pytest.config.default_plugins:
            importlib.import_module(f"_pytest.{name}")
    except Exception:  # only slower without it
        pass
    for name in plugins:
        importlib.import_module(name)
    nothing = coverage.Coverage(data_file=None, source=[os.devnull], config_file=True)
    nothing.start()
    nothing.stop()
    gc.freeze()


def main():
    spec = json.loads(sys.argv[1])
    args = sys.argv[2:]
    plugins = []
    if importlib.util.find_spec("pytest_cov") is not None:
        # The repository's `--cov` options parse, and pytest-cov measures
        # nothing (nor writes its data and reports into the tree): this does.
        args = ["-p", "pytest_cov"] + args + ["--no-cov"]
        plugins.append("pytest_cov.plugin")
    runs = spec["runs"]
    if len(runs) == 1:
        statuses = [measure(runs[0], args)]
    else:
        prepare_forks(plugins)
        statuses = [forked(run, args) for run in runs]
    ended = [{"folder": run["folder"], "status": status} for run, status in zip(runs, statuses)]
    with open(spec["statuses"], "w", encoding="utf-8") as handle:
        json.dump(ended, handle)


main()
