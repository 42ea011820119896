"""The nightly jobs spread over forked processes, one per core: both are CPU-bound in Python
(building rows, rendering e-mails), and one process uses one core."""

import ctypes
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor, wait

from django.db import connections

# How far each process has got, one slot per part, in memory shared with the parent, which draws
# the progress bar from it. Set in each process by the pool's initializer.
_done = None
# The parent's open database connections, as the fork copied them: kept referenced and never used
# or closed, because closing one would end the parent's session on the socket they share.
_inherited_connections = []


PR_SET_PDEATHSIG = 1


def _process_start(done):
    global _done
    _done = done
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _inherited_connections.append(wrapper.connection)
            wrapper.connection = None
    # Die with the parent: a run killed by the operator (or the OOM killer) stops as a whole, and
    # what it left undone is found by the next run, not by orphans still working behind it.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _part_run(function, slot, part):
    def report(count):
        _done[slot] = count

    try:
        return function(report=report, **part)
    finally:
        connections.close_all()


def run_in_processes(function, parts, *, summary, progress=None, total=0):
    """``function(report=…, **part)`` for each part at once, each in its own process, adding the
    summaries they return to ``summary``. ``function`` is module-level (it is pickled by name) and
    calls ``report(count)`` as it goes; ``progress(done, total)`` sees the sum."""
    context = multiprocessing.get_context("fork")
    done = context.Array("q", len(parts))
    with ProcessPoolExecutor(len(parts), mp_context=context, initializer=_process_start,
                             initargs=(done,)) as pool:
        running = {pool.submit(_part_run, function, slot, part) for slot, part in enumerate(parts)}
        while running:
            finished, running = wait(running, timeout=0.5)
            for future in finished:
                summary.add(future.result())
            if progress:
                progress(sum(done), max(total, sum(done)))
    return summary
