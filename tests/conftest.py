"""Session setup for the whole suite.

Under pytest-xdist (pyproject's ``-n auto``) each worker process gets its share of the
machine's cores for numpy's BLAS and minikeras's own kernel threads, which both read these
variables (minikeras.autodiff.parallel). Without it, two workers each running one thread per
core oversubscribe the cores and the suite gets slower, not faster. Runs before any test
module imports numpy; a budget the user already exported is kept.
"""
import os

_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    _share = str(max(1, (os.cpu_count() or 1) // _WORKERS))
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, _share)
