"""The processes a nightly job runs in when the command asks for several (``--workers``,
settings.NIGHTLY_WORKERS): both jobs are CPU-bound in Python (building rows, rendering e-mails), and
one process uses one core.

The first part runs here; each other part runs in a fresh interpreter started with multiprocessing's
"spawn" method, which sets Django up and opens its own database connection: nothing is inherited but
the settings of the database to use (in tests, the test database). A child dies with this process,
so a run killed by the operator (or the OOM killer) stops as a whole, its open transactions roll
back, and what it left undone is found by the next run, not by orphans still working behind it."""

import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import django
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

# How far each part has got, one slot per part, in memory shared with the parent, which draws the
# progress bar from it. Each slot has one writer, so it needs no lock. Set in each child at start.
_done = None


def run_parts(work, parts, *, summary, progress=None, total=0):
    """``work(report=…, **part)`` for every part at once, adding the summaries it returns to
    ``summary``. ``work`` is module-level (a child imports it by name) and calls ``report(count)``
    as it goes; ``progress(done, total)`` is shown the sum over the parts."""
    first, *others = parts
    spawn = multiprocessing.get_context("spawn")
    done = spawn.RawArray("q", len(parts)) if others else [0]

    def report_progress():
        if progress:
            progress(sum(done), max(total, sum(done)))

    def report(count):
        done[0] = count
        report_progress()

    if not others:
        summary.add(work(report=report, **first))
        return summary
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    with ProcessPoolExecutor(len(others), mp_context=spawn,
                             initializer=_child_start, initargs=(database, done)) as pool:
        running = {pool.submit(_part_run, work, slot, part) for slot, part in enumerate(others, start=1)}
        summary.add(work(report=report, **first))
        while running:
            finished, running = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                summary.add(future.result())
            report_progress()
    return summary


def processes_for(*, workers, items, batch_size, dry_run=False):
    """How many processes a job of ``items`` in batches of ``batch_size`` runs in: ``workers``, but
    no more than it has batches, since starting a process costs a second of CPU. One for a dry run,
    for a run inside a transaction (a test, a caller's atomic block: other processes could not see
    what it has not committed) and on a database without SKIP LOCKED (SQLite)."""
    if (dry_run or transaction.get_connection().in_atomic_block
            or not connection.features.has_select_for_update_skip_locked):
        return 1
    return max(1, min(workers, -(-items // batch_size)))


def _child_start(database, done):
    global _done
    _done = done
    django.setup()
    connections[DEFAULT_DB_ALIAS].settings_dict.update(database)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent():
    # The parent's end of this pipe closes when the parent exits, however it exits.
    multiprocessing.connection.wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


def _part_run(work, slot, part):
    def report(count):
        _done[slot] = count

    try:
        return work(report=report, **part)
    finally:
        connections.close_all()
