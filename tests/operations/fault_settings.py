"""Production settings for the fault tests' own servers.

The static files storage differs: the hashed manifest is made by collectstatic at release, and
these tests are about the database and the broker, not about static files. So does Stripe: these
servers must never reach the real one, and production refuses a Stripe on loopback at start-up,
so the API base is set here, after that check: to the test's own localstripe when it gives one
(FAULT_TEST_STRIPE_API_BASE), else to a loopback port where nothing listens."""

import os

from pecportal.settings import *  # noqa: F403

STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STRIPE_API_BASE = os.environ.get("FAULT_TEST_STRIPE_API_BASE", "http://127.0.0.1:9")
