import subprocess
import sys

from tests.security.production import ROOT, production_env

PROBE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "pecportal.settings"
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), "django" in client.integrations, client.options["send_default_pii"])
"""


def sentry_state(**env):
    done = subprocess.run([sys.executable, "-c", PROBE], check=False, cwd=ROOT, env=production_env(**env),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_sentry_is_on_with_a_dsn_and_sends_no_personal_data():
    # A loopback DSN: nothing is raised, so nothing is ever sent.
    assert sentry_state(SENTRY_DSN="http://public@127.0.0.1:9/1") == ["True", "True", "False"]


def test_sentry_stays_off_without_a_dsn():
    assert sentry_state(SENTRY_DSN=None)[0] == "False"
