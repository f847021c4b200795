"""Module lookup for Pylint's inference, answered from folder listings.

Pylint puts the folder of every file it is given on the import path, and
astroid looks a module up by asking, in every folder of the path in turn,
whether each name the module could have (`name/__init__.py`, `name.py`,
`name.cpython-311-x86_64-linux-gnu.so`, ...) is a file: one `stat` per
folder and name. In a repository with one folder per tool that is
folders x imports x names calls -- about a million on 1,000 tools, and a third
of Pylint's time. Here each folder is listed once and every question is
answered from its listing: the same answers (Linux's file names are case
sensitive, as `stat` is), the first folder that has the module still wins,
and whatever cannot be listed is asked of the file system as before.

Installed by `install_lookup()`, before Pylint runs.
"""

import hashlib
import inspect
import os
import sys
from functools import lru_cache

import astroid.modutils
from astroid.interpreter._import import spec as astroid_spec

# A folder that exists but cannot be listed: ask the file system per name.
UNLISTABLE = object()
# Not listed yet.
UNSEEN = object()
# The astroid search this mirrors (ImportlibFinder.find_module of astroid
# 4.3, which Pylint 4.1.4 installs, by the SHA-256 of its source); any other
# is left to run as it is, with only its `stat` calls answered from listings.
MIRRORED_SEARCH = "c19021cb2551fd1842a97a78c86f3cec9c547fa4da4993c6226e62c35fd90a54"
LISTINGS = {}


def listing(folder):
    """A folder's entries (name -> is a file), None when `folder` is not a
    folder, UNLISTABLE when it cannot be listed."""
    try:
        return LISTINGS[folder]
    except KeyError:
        pass
    parent, name = os.path.split(folder)
    if name and name not in (".", "..") and parent != folder:
        above = listing(parent)
        if above is None or (above is not UNLISTABLE and name not in above):
            LISTINGS[folder] = None
            return None
    try:
        with os.scandir(folder or ".") as entries:
            found = {entry.name: is_file(entry) for entry in entries}
    except (FileNotFoundError, NotADirectoryError):
        found = None
    except OSError:
        found = UNLISTABLE
    LISTINGS[folder] = found
    return found


def is_file(entry):
    try:
        return entry.is_file()
    except OSError:
        return os.path.isfile(entry.path)


def has_file(folder, name):
    """`os.path.isfile(os.path.join(folder, name))`, from the listing."""
    entries = listing(folder)
    if entries is UNLISTABLE:
        return os.path.isfile(os.path.join(folder, name))
    return bool(entries) and entries.get(name, False)


def isfile(path):
    """`os.path.isfile(path)`, from the listing of its folder."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if not name or name in (".", ".."):
        return os.path.isfile(path)
    return has_file(folder, name)


def mirrored_search():
    """astroid's own ImportlibFinder.find_module, unwrapped from its cache,
    when it is the one mirrored here."""
    finder = astroid_spec.ImportlibFinder
    cached = finder.__dict__.get("find_module")
    search = getattr(getattr(cached, "__func__", None), "__wrapped__", None)
    if search is None:
        return None
    try:
        source = inspect.getsource(search)
    except (OSError, TypeError):
        return None
    digest = hashlib.sha256(source.encode()).hexdigest()
    return search if digest == MIRRORED_SEARCH else None


def search_with(original):
    """find_module answering from listings; what follows the search of the
    path (the frozen standard modules) and the built-in modules stay astroid's."""
    package_inits = tuple(
        "__init__" + suffix
        for suffix in (".py", ".pyi", astroid_spec.importlib.machinery.BYTECODE_SUFFIXES[0])
    )
    module_suffixes = astroid_spec.ImportlibFinder._SUFFIXES

    def find_module(modname, module_parts, processed, submodule_path):
        builtin = submodule_path is None and modname in sys.builtin_module_names
        if builtin or not modname or os.sep in modname or modname in (".", ".."):
            return original(modname, module_parts, processed, submodule_path)
        folders = list(submodule_path) if submodule_path is not None else sys.path
        names = (modname, *(modname + suffix for suffix, _ in module_suffixes))
        for folder in folders:
            entries = LISTINGS.get(folder, UNSEEN)
            if entries is UNSEEN:
                entries = listing(folder)
            if entries is None:
                continue
            # Most folders hold none of the names: one set operation says so.
            if entries is not UNLISTABLE and entries.keys().isdisjoint(names):
                continue
            package = os.path.join(folder, modname)
            for init in package_inits:
                if has_file(package, init):
                    return astroid_spec.ModuleSpec(
                        name=modname,
                        location=package,
                        type=astroid_spec.ModuleType.PKG_DIRECTORY,
                    )
            for suffix, kind in module_suffixes:
                if has_file(folder, modname + suffix):
                    return astroid_spec.ModuleSpec(
                        name=modname, location=os.path.join(folder, modname + suffix), type=kind
                    )
        # Nothing on the path: astroid's own tail with an empty path to search.
        return original(modname, module_parts, processed, ())

    cached = lru_cache(maxsize=1024)(find_module)
    clear_answers = cached.cache_clear

    def cache_clear():
        clear_answers()
        LISTINGS.clear()

    cached.cache_clear = cache_clear
    return cached


def install_lookup():
    """Answers astroid's lookups from folder listings, on Linux only (where a
    listing and `stat` agree on the case of names)."""
    if not sys.platform.startswith("linux"):
        return
    astroid.modutils.cached_os_path_isfile = isfile
    original = mirrored_search()
    if original is not None:
        astroid_spec.ImportlibFinder.find_module = staticmethod(search_with(original))
