"""Production settings plus the two ceiling views; used only by the load benchmark.

Static files use the plain storage: the hashed manifest comes from collectstatic at release and
the benchmark measures pages, not static files."""

from pecportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load.bench_urls"
STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
