"""Production settings are fixed when settings.py is imported with DEBUG off, so they are
exercised in a fresh interpreter rather than patched into the test process."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Everything production refuses to start without (pecportal/production.py), none of it real.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-production-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "portal.example.it,testserver",
    "TRUSTED_PROXY_COUNT": "0",
    "STRIPE_SECRET_KEY": "sk_test_production_tests",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_production_tests",
    "STRIPE_WEBHOOK_SECRET": "whsec_production_tests",
}

_CLIENT_SCRIPT = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pecportal.settings"
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# The manifest exists only after collectstatic; headers do not depend on it.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
request = json.loads(sys.argv[1])
response = Client().get(request["path"], secure=request["secure"], headers=request["headers"])
cookies = {name: {key: morsel[key] for key in ("secure", "httponly", "samesite")}
           for name, morsel in response.cookies.items()}
print(json.dumps({"status": response.status_code, "headers": dict(response.headers), "cookies": cookies,
                  "body": response.content.decode(errors="replace")}))
"""


def production_env(**extra):
    """The environment of a production process; a variable given as None is left unset."""
    # The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE for the test process only; a developer's
    # STRIPE_API_BASE (localstripe) is what production refuses.
    inherited = {name: value for name, value in os.environ.items()
                 if name not in ("CELERY_EAGER", "DJANGO_ALLOW_ASYNC_UNSAFE", "STRIPE_API_BASE")}
    env = {**inherited, **PRODUCTION_ENV, **extra}
    return {name: value for name, value in env.items() if value is not None}


def manage(*args, **extra_env):
    return subprocess.run([sys.executable, "manage.py", *args], check=False, cwd=ROOT, env=production_env(**extra_env),
                          capture_output=True, text=True, timeout=120)


def production_get(path, *, secure=True, headers=None, **extra_env):
    """GET ``path`` through Django's test client in a process started with DEBUG off."""
    request = json.dumps({"path": path, "secure": secure, "headers": headers or {}})
    done = subprocess.run([sys.executable, "-c", _CLIENT_SCRIPT, request], check=False, cwd=ROOT,
                          env=production_env(**extra_env), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
