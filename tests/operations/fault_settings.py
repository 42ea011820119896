"""Production settings for the fault tests' own servers.

Only the static files storage differs: the hashed manifest is made by collectstatic at release,
and these tests are about the database and the broker, not about static files."""

from pecportal.settings import *  # noqa: F403

STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
