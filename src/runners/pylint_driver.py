"""opsgate's driver for Pylint: `python -c <this> EXPORT MERGE ARGS...` runs
`python -m pylint ARGS...` exactly, with these additions.

- EXPORT (a file path, or "-"): what the cross-file checks gathered on the
  files this process checked -- each file's lines as duplicate-code reads them
  and its edges of the import graph -- is written there as JSON. With
  MERGE "defer", the cross-file checks gather but do not conclude: the files
  are one part of the repository, and their conclusion is drawn over every
  part at once.
- MERGE (a JSON file, or "-"/"defer"): this process concludes the cross-file
  checks over what the parts gathered (each file's facts, in the order Pylint
  would have checked them in one run), instead of over the files it checked
  itself (the last file, where Pylint puts these messages when it checks
  every file in one run).
- OPSGATE_PYLINT_FORKS (environment, optional, for a process that checks
  files and concludes over them itself): after Pylint has read every file,
  the files are cut into this many runs of neighbouring files and all but
  the last are checked in forked copies of the process, which share what was
  read. Their messages, statistics and gathered facts come back to the
  process, which checks the last run itself (so the last file is its own,
  as in one run), puts the messages in one run's order and concludes the
  cross-file checks over every file's facts.
- OPSGATE_PYLINT_PAIRS_IN / _OUT (environment, optional): duplicate-code's
  comparison of each pair of files, from an earlier run and for the next.
  A pair whose two files are unchanged, in the same order, is not compared
  again. OPSGATE_PYLINT_WORKERS: processes that compare the other pairs.

The conclusions are Pylint's own code (its comparison of two files, its cycle
search) over the same data in the same order, so they equal one run's. Where
Pylint's output depends on the order of a Python set, opsgate fixes it: the
hash seed is fixed by the caller, and duplicate-code quotes the first copy.
The pair store, the parallel comparison, the plain-tuple comparison, the
grouping by index and the first copy apply to the Pylint they were proven
equal on (4.1); others run Pylint's own code alone.
"""

import functools
import gc
import hashlib
import inspect
import itertools
import json
import os
import pickle
import sys
import tempfile
import traceback
from collections import defaultdict

import pylint
from pylint.checkers import imports, symilar
from pylint.lint import pylinter
from pylint.reporters.json_reporter import JSON2Reporter
from pylint.utils import LinterStats, merge_stats

EXPORT, MERGE = sys.argv[1], sys.argv[2]
ARGS = sys.argv[3:]
DEFER = MERGE == "defer"
PAIRS_IN = os.environ.get("OPSGATE_PYLINT_PAIRS_IN")
PAIRS_OUT = os.environ.get("OPSGATE_PYLINT_PAIRS_OUT")
WORKERS = max(1, int(os.environ.get("OPSGATE_PYLINT_WORKERS", "1")))
FORKS = max(1, int(os.environ.get("OPSGATE_PYLINT_FORKS", "1")))
# The Pylint whose similarity code this driver's faster paths were proven
# equal to (4.1: `_find_common` takes precomputed hashes, pairs are capped).
PROVEN = (
    pylint.__version__.split(".")[0] == "4"
    and hasattr(symilar, "_HASH_BUCKET_PRODUCT_LIMIT")
    and len(inspect.signature(symilar.Symilar._find_common).parameters) == 5
)
FACTS = {}
# The file each lineset was read from, by the lineset's id.
SOURCES = {}
FLAGS = {"similar": False, "cyclic": False}
# What forked copies gathered, with this process's own, in one run's order:
# the cross-file checks conclude over it as over a MERGE file.
FORKED = {}
# Below this many pairs to compare, starting processes costs more than it saves.
PARALLEL_PAIRS = 20000


def facts_of(path):
    """What this process gathered on a file, by its path from the root."""
    return FACTS.setdefault(os.path.relpath(path), {"lineset": None, "edges": []})


# --- duplicate-code -------------------------------------------------------


def identity(lineset):
    """A file as the store knows it: its path, and a digest of what a
    comparison with another file depends on (its stripped lines)."""
    text = json.dumps([[s.line_number, s.text] for s in lineset.stripped_lines])
    return SOURCES.get(id(lineset), "") + ":" + hashlib.sha256(text.encode()).hexdigest()[:32]


def load_pairs(min_lines):
    """The earlier run's comparisons: its files' digests, in its order, and
    per pair that had commonalities, its two files and its commonalities,
    as (firsts, seconds, commonalities) in the store's order."""
    try:
        with open(PAIRS_IN, encoding="utf-8") as handle:
            stored = json.loads(handle.read())
        if stored["min_lines"] != min_lines or stored["pylint"] != pylint.__version__:
            return [], ((), (), ())
        flat, commons = stored["pairs"], stored["commons"]
        pairs = (flat[0::3], flat[1::3], [commons[at] for at in flat[2::3]])
        return stored["linesets"], pairs
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return [], ((), (), ())


def stored_pairs(ordered):
    """The comparisons as the store keeps them: each distinct commonality
    once, and every pair as three numbers (its files and its commonality) in
    one flat list -- many pairs of files share one commonality, and a flat
    list of numbers is what JSON reads fastest."""
    index_by_id, index_by_value, flat = {}, {}, []
    for row, other, commons in ordered:
        index = index_by_id.get(id(commons))
        if index is None:
            value = tuple(tuple(common) for common in commons)
            index = index_by_value.setdefault(value, len(index_by_value))
            index_by_id[id(commons)] = index
        flat.extend((row, other, index))
    return list(index_by_value), flat


def known_pairs(identities, min_lines):
    """Per file (by index) the files after it whose comparison is known,
    with its result; `None` for a file whose every comparison is to do."""
    if not PAIRS_IN:
        return [None] * len(identities)
    earlier, (firsts, seconds, commons) = load_pairs(min_lines)
    position = {value: index for index, value in enumerate(earlier) if value is not None}
    stable = [position.get(value) for value in identities]
    # Unchanged files must keep their order: each comparison is directed.
    seen = [p for p in stable if p is not None]
    if any(a >= b for a, b in zip(seen, seen[1:])):
        return [None] * len(identities)
    # From the earlier run's index of a file to this run's.
    current = [None] * len(earlier)
    for index, p in enumerate(stable):
        if p is not None:
            current[p] = index
    known = [None if p is None else {} for p in stable]
    try:
        for i, j, found in zip(firsts, seconds, commons):
            row, other = current[i], current[j]
            if row is not None and other is not None:
                known[row][other] = found
    except (IndexError, TypeError):
        # A store that names files it does not list: compare everything.
        return [None] * len(identities)
    return known


COMPARE = {}


def find_common(lineset_1, lineset_2, hashes_1, hashes_2, min_lines):
    """Pylint 4's `Symilar._find_common` with plain tuples and lists for its
    couple and limit objects (which it copies and hashes slowly): the same
    couples, merged in the same order, give the same commonalities."""
    index_1, lines_1 = hashes_1.hash_to_index, hashes_1.index_to_lines
    index_2, lines_2 = hashes_2.hash_to_index, hashes_2.index_to_lines
    couples = {}
    for chunk in sorted(index_1.keys() & index_2.keys(), key=lambda h: index_1[h][0]):
        first, second = index_1[chunk], index_2[chunk]
        if len(first) * len(second) > symilar._HASH_BUCKET_PRODUCT_LIMIT:
            pairs = zip(first, second)
        else:
            pairs = itertools.product(first, second)
        for at_1, at_2 in pairs:
            limits_1, limits_2 = lines_1[at_1], lines_2[at_2]
            couples[(at_1, at_2)] = [
                limits_1.start,
                limits_1.end,
                limits_2.start,
                limits_2.end,
                min_lines,
            ]
    # Pylint's remove_successive.
    for couple in tuple(couples):
        removed = []
        test = (couple[0] + 1, couple[1] + 1)
        while test in couples:
            merged, successor = couples[couple], couples[test]
            merged[1], merged[3] = successor[1], successor[3]
            merged[4] += 1
            removed.append(test)
            test = (test[0] + 1, test[1] + 1)
        for target in removed:
            couples.pop(target, None)
    found = []
    for (at_1, at_2), (start_1, end_1, start_2, end_2, count) in couples.items():
        effective = symilar.filter_noncode_lines(lineset_1, at_1, lineset_2, at_2, count)
        if effective > min_lines:
            found.append([count, start_1, end_1, start_2, end_2])
    return found


def compare_row(row):
    """Compares file `row` with the files after it that need comparing."""
    checker, linesets, hashes, todo = COMPARE["state"]
    min_lines = checker.namespace.min_similarity_lines
    results = []
    for other in todo[row]:
        commons = find_common(
            linesets[row], linesets[other], hashes[row], hashes[other], min_lines
        )
        if commons:
            results.append((other, commons))
    return row, results


def compare_all(checker, linesets):
    """Every pair's commonalities, in the order Pylint's `_iter_sims` yields
    them; the known ones from the store, the others compared (in parallel
    when there are many). Writes the store for the next run."""
    min_lines = checker.namespace.min_similarity_lines
    identities = [identity(lineset) for lineset in linesets]
    if len(set(identities)) < len(identities):
        # Files the store cannot tell apart: compare everything.
        identities = [None] * len(linesets)
    known = known_pairs(identities, min_lines)
    count = len(linesets)
    stable = {index for index in range(count) if known[index] is not None}
    todo = [
        [
            other
            for other in range(row + 1, count)
            if row not in stable or other not in stable
        ]
        for row in range(count)
    ]
    hashes = [None] * count
    needed = {row for row in range(count) if todo[row]}
    needed.update([other for row in needed for other in todo[row]])
    for index in needed:
        hashes[index] = symilar.hash_lineset(linesets[index], min_lines)
    COMPARE["state"] = (checker, linesets, hashes, todo)
    rows = [row for row in range(count) if todo[row]]
    pairs_to_do = sum(len(todo[row]) for row in rows)
    if WORKERS > 1 and pairs_to_do >= PARALLEL_PAIRS:
        import multiprocessing  # pylint: disable=import-outside-toplevel

        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            compared = dict(pool.imap_unordered(compare_row, rows, chunksize=8))
    else:
        compared = dict(compare_row(row) for row in rows)
    ordered = []
    for row in range(count):
        found = dict(compared.get(row, ()))
        if known[row] is not None:
            found.update(known[row])
        ordered.extend((row, other, found[other]) for other in sorted(found))
    if PAIRS_OUT:
        # `dumps`, not `dump`: only the former uses the C encoder.
        commons, flat = stored_pairs(ordered)
        stored = {
            "pylint": pylint.__version__,
            "min_lines": min_lines,
            "linesets": identities,
            "commons": commons,
            "pairs": flat,
            # How many pairs this run compared (the others were known).
            "compared": pairs_to_do,
        }
        with open(PAIRS_OUT, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(stored))
    return ordered


def compute_sims(checker, linesets):
    """Pylint 4's `_compute_sims`, with its scan of the groups made of each
    commonality's size replaced by a set of what those groups hold (a group
    never grows after it is made, so membership is the same question)."""
    groups = defaultdict(list)
    members = defaultdict(set)
    for row, other, commons in compare_all(checker, linesets):
        for num, start_1, end_1, start_2, end_2 in commons:
            first = (linesets[row], start_1, end_1)
            second = (linesets[other], start_2, end_2)
            held = members[num]
            if first in held or second in held:
                continue
            groups[num].append({first, second})
            held.update((first, second))
    sims = [(num, couples) for num, ensembles in groups.items() for couples in ensembles]
    return sorted(sims, reverse=True)


def close_similarities(checker):
    """Pylint's SimilaritiesChecker.close, quoting the first copy in order."""
    if PROVEN:
        sims = compute_sims(checker, checker.linesets)
    else:
        sims = checker._compute_sims()
    total = sum(len(lineset) for lineset in checker.linesets)
    duplicated = 0
    for num, couples in sims:
        ordered = sorted(couples, key=lambda c: (c[0].name, c[1], c[2]))
        msg = sorted(f"=={ls.name}:[{start}:{end}]" for ls, start, end in ordered)
        lineset, start, end = ordered[0]
        msg.extend(line.rstrip() for line in lineset.real_lines[start:end])
        checker.add_message("R0801", args=(len(couples), "\n".join(msg)))
        duplicated += num * (len(couples) - 1)
    stats = checker.linter.stats
    stats.nb_duplicated_lines += int(duplicated)
    stats.percent_duplicated_lines += float(total and duplicated * 100.0 / total)


def lineset_from(path, data):
    lineset = symilar.LineSet.__new__(symilar.LineSet)
    SOURCES[id(lineset)] = os.path.relpath(path)
    lineset.name = data["name"]
    lineset._real_lines = data["real"]
    lineset._stripped_lines = [
        symilar.LineSpecifs(line_number=symilar.LineNumber(n), text=text)
        for n, text in data["stripped"]
    ]
    return lineset


# --- the patches ----------------------------------------------------------

original_process_module = symilar.SimilaritiesChecker.process_module
original_similarities_close = symilar.SimilaritiesChecker.close
original_add_imported = imports.ImportsChecker._add_imported_module
original_imports_open = imports.ImportsChecker.open
original_imports_close = imports.ImportsChecker.close


def process_module(self, node):
    before = len(self.linesets)
    original_process_module(self, node)
    if len(self.linesets) > before:
        lineset = self.linesets[-1]
        SOURCES[id(lineset)] = os.path.relpath(self.linter.current_file)
        facts_of(self.linter.current_file)["lineset"] = {
            "name": lineset.name,
            "real": lineset.real_lines,
            "stripped": [[s.line_number, s.text] for s in lineset.stripped_lines],
        }


def add_imported_module(self, node, importedmodname):
    context = node.root().name
    graph = set(self.import_graph.get(context, ()))
    excluded = set(self._excluded_edges.get(context, ()))
    original_add_imported(self, node, importedmodname)
    edges = facts_of(self.linter.current_file)["edges"]
    # One call adds at most one edge to each.
    for added in self.import_graph.get(context, set()) - graph:
        edges.append([context, added, False])
    for added in self._excluded_edges.get(context, set()) - excluded:
        edges.append([context, added, True])


def merged():
    """Every file's facts in one run's order: gathered by forked copies, or
    read from the MERGE file."""
    return FORKED or merge_file()


@functools.cache
def merge_file():
    with open(MERGE, encoding="utf-8") as handle:
        return json.load(handle)


def concludes_over_facts():
    return MERGE != "-" or bool(FORKED)


def similarities_close(self):
    FLAGS["similar"] = True
    if DEFER:
        return
    if concludes_over_facts():
        # The files this process read itself, then those the parts read.
        own = {SOURCES[id(lineset)]: lineset for lineset in self.linesets}
        self.linesets = [
            own[path] if path in own else lineset_from(path, facts["lineset"])
            for path, facts in merged()["files"]
            if path in own or facts["lineset"] is not None
        ]
    if PROVEN:
        close_similarities(self)
    else:
        original_similarities_close(self)


def imports_open(self):
    original_imports_open(self)
    # Before any file: the configuration's say, not the last file's.
    FLAGS["cyclic"] = self.linter.is_message_enabled("cyclic-import")


def imports_close(self):
    if DEFER:
        return
    if concludes_over_facts():
        graph, excluded = defaultdict(set), defaultdict(set)
        for path, facts in merged()["files"]:
            facts = FACTS.get(path, facts)
            for context, module, is_excluded in facts["edges"]:
                (excluded if is_excluded else graph)[context].add(module)
        self.import_graph, self._excluded_edges = graph, excluded
    original_imports_close(self)


# --- forked copies ----------------------------------------------------------


def forkable(linter, mapping, check_astroid_module):
    """Whether the files can be checked in forked copies: asked for, on a
    system that forks, by a process that concludes itself, with the Pylint
    whose reading and checking steps this was proven on (4.1) and a report
    that only collects messages until the end."""
    return (
        FORKS > 1
        and hasattr(os, "fork")
        and MERGE == "-"
        and len(mapping) >= 2 * FORKS
        and type(linter.reporter) is JSON2Reporter
        and hasattr(walker_of(check_astroid_module), "nbstatements")
        and list(inspect.signature(original_lint_files).parameters)
        == ["self", "ast_mapping", "check_astroid_module", "progress_reporter"]
    )


def walker_of(check_astroid_module):
    """The walker that counts the statements Pylint checked."""
    return getattr(check_astroid_module, "keywords", {}).get("walker")


def runs_of(items, count):
    """`items` cut into `count` runs of neighbours of about equal size."""
    sizes = []
    for fileitem, _ in items:
        try:
            sizes.append(os.path.getsize(fileitem.filepath))
        except OSError:
            sizes.append(0)
    total = sum(sizes) or 1
    runs, current, done = [], [], 0
    for item, size in zip(items, sizes):
        current.append(item)
        done += size
        if len(runs) < count - 1 and done >= total * (len(runs) + 1) / count:
            runs.append(current)
            current = []
    runs.append(current)
    return [run for run in runs if run]


def check_in_copy(linter, run, check_astroid_module, progress, before, path):
    """In a forked copy: checks `run` and writes what it found to `path`."""
    linter.stats = LinterStats()
    linter.msg_status = 0
    FACTS.clear()
    walker = walker_of(check_astroid_module)
    counted = walker.nbstatements
    original_lint_files(linter, dict(run), check_astroid_module, progress)
    found = {
        "messages": linter.reporter.messages[before:],
        "stats": linter.stats,
        "msg_status": linter.msg_status,
        # Pylint sets the statistics' statements from its walker at the end.
        "statements": walker.nbstatements - counted,
        "facts": FACTS,
    }
    with open(path, "wb") as handle:
        pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL)


def fork_copy(linter, run, check_astroid_module, progress, before):
    """Starts a copy checking `run`; its pid and where it writes."""
    handle, path = tempfile.mkstemp(prefix="opsgate-pylint-", suffix=".pickle")
    os.close(handle)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            check_in_copy(linter, run, check_astroid_module, progress, before, path)
        except BaseException:  # pylint: disable=broad-except
            traceback.print_exc()
            code = 70
        finally:
            sys.stderr.flush()
            os._exit(code)  # pylint: disable=protected-access
    return pid, path


def collect(pid, path):
    """What a copy found; a copy that failed fails the whole run."""
    try:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(
                f"a forked copy of Pylint failed (exit {os.waitstatus_to_exitcode(status)})"
            )
        with open(path, "rb") as handle:
            return pickle.load(handle)
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def lint_files(self, ast_mapping, check_astroid_module, progress_reporter):
    """Pylint's `_lint_files`, the runs of files but the last in forked copies."""
    # Every file read stays until the end: the collector need not scan it
    # again and again (and copies do not copy its memory by touching it).
    gc.freeze()
    items = list(ast_mapping.items())
    if not forkable(self, items, check_astroid_module):
        original_lint_files(self, ast_mapping, check_astroid_module, progress_reporter)
        return
    runs = runs_of(items, FORKS)
    before = len(self.reporter.messages)
    copies = [
        fork_copy(self, run, check_astroid_module, progress_reporter, before)
        for run in runs[:-1]
    ]
    failure = None
    try:
        original_lint_files(self, dict(runs[-1]), check_astroid_module, progress_reporter)
    except BaseException as error:  # pylint: disable=broad-except
        failure = error
    found = []
    for pid, path in copies:
        try:
            found.append(collect(pid, path))
        except BaseException as error:  # pylint: disable=broad-except
            failure = failure or error
    if failure is not None:
        raise failure
    own = self.reporter.messages[before:]
    self.reporter.messages[before:] = [m for copy in found for m in copy["messages"]] + own
    names = set(self.stats.modules_names)
    for copy in found:
        names.update(copy["stats"].modules_names)
        self.msg_status |= copy["msg_status"]
        walker_of(check_astroid_module).nbstatements += copy["statements"]
        FACTS.update(copy["facts"])
    self.stats = merge_stats([self.stats, *(copy["stats"] for copy in found)])
    self.stats.modules_names = names
    empty = {"lineset": None, "edges": []}
    FORKED["files"] = [
        (path, FACTS.get(path, empty))
        for path in (os.path.relpath(fileitem.filepath) for fileitem, _ in items)
    ]


def handle_message(self, msg):
    """Places a message Pylint could not place on a file.

    A message whose node lives in a module astroid made up (``__astroid_synthetic``,
    built when inferring e.g. ``tuple(_SHIMS)``) has no file, and Pylint gives it
    the path "configuration" (and no absolute path), which no report can show and no cached result can
    be keyed on. It was emitted while checking ``current_file``: it belongs
    there, on line 1 (its line is one of the made-up module's), naming the
    module it came from. Messages about the configuration itself come before
    any file is checked and keep their path."""
    current = self.linter.current_file if self.linter is not None else None
    if not msg.abspath and current:
        msg.abspath = current
        msg.path = current.replace(self.path_strip_prefix, "", 1)
        msg.msg = f"{msg.msg} [reported on module {msg.module}]"
        msg.module = self.linter.current_name or msg.module
        msg.line, msg.column, msg.end_line, msg.end_column = 1, 0, None, None
    original_handle_message(self, msg)


original_handle_message = JSON2Reporter.handle_message
JSON2Reporter.handle_message = handle_message
original_lint_files = pylinter.PyLinter._lint_files

symilar.SimilaritiesChecker.process_module = process_module
symilar.SimilaritiesChecker.close = similarities_close
imports.ImportsChecker.open = imports_open
imports.ImportsChecker.close = imports_close
pylinter.PyLinter._lint_files = lint_files
if EXPORT != "-" or FORKS > 1:
    imports.ImportsChecker._add_imported_module = add_imported_module


def export():
    if EXPORT == "-":
        return
    with open(EXPORT, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(FLAGS, files=FACTS)))


# `install_lookup` comes from pylint_lookup.py, which opsgate runs before this.
install_lookup()
# Pylint makes millions of objects that live to the end (syntax trees,
# inference results): with Python's default thresholds the collector scans
# them over and over, a quarter of Pylint's time on netmiko. Collected less
# often, the same garbage goes, later; the peak memory stays within a few %.
gc.set_threshold(100_000, 20, 100)
pylint.modify_sys_path()
try:
    pylint.run_pylint(ARGS)
except SystemExit:
    export()
    raise
export()
