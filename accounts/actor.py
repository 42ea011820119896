"""Who, besides the holder, is making the current request's changes: a delegated user's e-mail
while accounts.decorators.holder_required runs their view, empty otherwise. ``Operation.actor``
takes it as its default, so every operation written for that request names them, whichever app
writes it and whether through ``operation_log`` or a batch of ``Operation`` objects."""

from contextlib import contextmanager
from contextvars import ContextVar

_actor = ContextVar("portal_actor", default="")


def actor_current():
    return _actor.get()


@contextmanager
def acting_as(email):
    token = _actor.set(email)
    try:
        yield
    finally:
        _actor.reset(token)
