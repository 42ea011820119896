"""Production settings plus the two ceiling views; used only by the load benchmark.

Static files use the plain storage: the hashed manifest comes from collectstatic at release and
the benchmark measures pages, not static files."""

from pecportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load.bench_urls"
STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# The API's rate limit is still counted on every request, but never reached: wrk's 16 connections
# on one token are the load being measured, not a client to slow down.
API_RATE_LIMIT_PER_MINUTE = 10**9
