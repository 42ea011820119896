"""Polling for what another process, thread or server does, for the tests that start one."""

import time


def wait_for(condition, *, timeout=60, interval=0.2):
    """True as soon as ``condition()`` is, False if it is still not after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def wait_until(condition, *, timeout, interval=0.1, what="condition"):
    """wait_for, raising TimeoutError instead of returning False."""
    if not wait_for(condition, timeout=timeout, interval=interval):
        raise TimeoutError(f"{what} not met within {timeout}s")
