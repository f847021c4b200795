"""opsgate's driver for pytest under coverage.py: `python -c <this> SPEC ARGS...`
runs `coverage run --source=SOURCES -m pytest ARGS...` in one process, as a
team runs it by hand, and writes coverage.py's JSON report of the FILES.

SPEC is a JSON object: `source` (the folders measured), `files` (the Python
files of the repository to report, relative to the working folder),
`data_file` and `report` (paths outside the repository).

The repository's coverage configuration (.coveragerc, setup.cfg, tox.ini,
pyproject.toml) is read as `coverage run` reads it. Reporting only FILES keeps
coverage.py from reading what opsgate's walk did not take for a Python file:
a FIFO named `*.py` in a measured folder would block a direct run forever.
The report is written whatever pytest's outcome; pytest's exit status is the
process's.
"""

import json
import os
import sys

import coverage

spec = json.loads(sys.argv[1])
measure = coverage.Coverage(
    source=spec["source"], data_file=spec["data_file"], config_file=True
)
measure.start()
try:
    import pytest

    status = pytest.main(sys.argv[2:])
finally:
    measure.stop()
    measure.save()
try:
    # Named files are reported even where `[run] omit` kept them from being
    # measured: a direct run leaves them out, so this report does too.
    omit = (measure.get_option("run:omit") or []) + (
        measure.get_option("report:omit") or []
    )
    # A file coverage.py cannot parse is not measurable: the linters say why.
    # As a direct run: a script without the `.py` suffix only once it ran
    # (coverage.py's search for unexecuted files looks for `*.py`).
    ran = {os.path.realpath(path) for path in measure.get_data().measured_files()}
    files = [
        path
        for path in spec["files"]
        if path.endswith((".py", ".pyw")) or os.path.realpath(path) in ran
    ]
    measure.json_report(
        morfs=files, outfile=spec["report"], omit=omit, ignore_errors=True
    )
except coverage.exceptions.NoDataError:
    # Nothing of FILES was measured or found: an empty report.
    with open(spec["report"], "w", encoding="utf-8") as handle:
        json.dump({"files": {}}, handle)
sys.exit(int(status))
