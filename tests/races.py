"""A holder's action and the renewal night at the same time, each in its own thread with its own
PostgreSQL connection (the tests using these are transactional: each sees only committed rows)."""

import threading

from django.db import connections

from mailboxes.models import Mailbox
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailboxes

# The night in small batches, so it commits many times while the holder's action runs.
BATCH_SIZE = 10
CREDIT = 100_000
# How many of the night's batches go by before the holder's action starts, one value a round: at
# once (the action usually gets the rows first), while the night reaches the holder's rows, after.
HEAD_STARTS = [0, 1, 2, 3, 6]
# Other holders' due mailboxes the night goes through before the holder's: two batches.
BEFORE = 2 * BATCH_SIZE


def due_mailboxes(holder, count, today):
    mailboxes = make_mailboxes(holder, count)
    Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes]).update(expires_on=today)
    return mailboxes


def others_due(count, today):
    """Other holders' due mailboxes, with credit for them: the night's work around the holder's."""
    for _ in range(count // 10):
        due_mailboxes(make_holder(credit_cents=CREDIT), 10, today)


def with_the_night(action, *, on_date, head_start):
    """``action()`` and renewals_run of ``on_date``, released together by a barrier; the action
    waits until the night has committed ``head_start`` batches. Returns (the night's summary or
    exception, the action's result or exception)."""
    ahead = threading.Event()
    if not head_start:
        ahead.set()

    def progress(done, total):
        if done >= head_start * BATCH_SIZE:
            ahead.set()

    def night():
        try:
            return renewals_run(on_date=on_date, batch_size=BATCH_SIZE, progress=progress)
        finally:
            ahead.set()

    def holder_action():
        ahead.wait()
        return action()

    return run_together(night, holder_action)


def run_together(*jobs):
    """Each job in its own thread and connection, started by one barrier; each one's result or the
    exception it raised, in the jobs' order."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def worker(slot, job):
        try:
            barrier.wait()
            outcomes[slot] = job()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            outcomes[slot] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(slot, job)) for slot, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a job never finished: a deadlock?"
    return outcomes
