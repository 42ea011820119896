"""gunicorn for the portal: sync workers, since every page is short database work.

Worker count: bench/load/run.sh tries 2, 3 and 5 sync workers on the dashboard first (figures in
docs/performance.md); more workers than cores came last every time.
A page is CPU work (template rendering and the ORM, ~90 % of its time under pyinstrument) with
short loopback database waits. Five workers (gunicorn's 2 × cores + 1 rule of thumb, meant for
I/O-bound apps) came last both times: more processes than cores only adds context switches,
memory and PostgreSQL connections (one persistent connection per worker, CONN_MAX_AGE).
Here wrk and PostgreSQL take their share of the same two cores, so two workers did best in the
last run; cores + 1 is the default because in production PostgreSQL sits on its own host and the
extra worker covers each request's network waits.
GUNICORN_WORKERS overrides it (measure again on other hardware)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# The application is imported once, in the master, and workers are forked from it: a worker
# recycled by max_requests is ready at once instead of spending ~0.5 s of CPU importing Django
# while its partner serves alone (at 5,000 requests a worker was recycled every few seconds under
# the benchmark's load, and its p99 showed it). Workers open their own database connections on
# first use (nothing connects at import). A code upgrade therefore needs a restart of gunicorn,
# not a HUP (README "Upgrades").
preload_app = True
# A guard against slow memory growth, not a routine: a recycled worker starts cold (templates
# compiled again, a new database connection), and at 5,000 or 30,000 requests the benchmark saw
# the recycles in its p95; at ~500 requests/s a worker now lives a few minutes.
max_requests = 100000
max_requests_jitter = 10000
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
