"""The environment for Python processes that tests start many times (MPI ranks): the
parent's, with compiled bytecode cached in one folder of the test session when nothing
else would keep it.

With PYTHONDONTWRITEBYTECODE=1 and no ``__pycache__`` beside minikeras's sources, every
child compiles each module it imports again: about 0.7 of the 1.4 CPU seconds a child takes
to import minikeras on a 2 GHz core. With PYTHONPYCACHEPREFIX set (and that variable
dropped) the first children compile into the session's folder, not the repository, and the
others read it (a prefix makes Python ignore the ``__pycache__`` folders, so the first
children also compile the standard library and numpy: worth it for a module of ~20
processes, not where the sources' own caches exist). What runs is the same.
"""
import importlib.util
import os
import sys

import minikeras


def cached_bytecode_environment(tmp_path_factory):
    """``os.environ``, with a session bytecode cache (PYTHONPYCACHEPREFIX) if children would
    otherwise compile minikeras anew."""
    compiled = importlib.util.cache_from_source(minikeras.__file__)
    if not sys.flags.dont_write_bytecode or os.path.exists(compiled):
        return dict(os.environ)
    folder = tmp_path_factory.getbasetemp() / "child_bytecode"
    folder.mkdir(exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return dict(environment, PYTHONPYCACHEPREFIX=str(folder))
