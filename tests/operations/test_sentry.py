import json
import subprocess
import sys

import pytest

from tests.security.production import ROOT, production_env

LOOPBACK_DSN = "http://public@127.0.0.1:9/1"  # nothing listens there, and the probes send nowhere anyway
SECRET = "Quercia-Viola-7431!"  # a name no scrubber knows: only the options can keep it out
ARGUMENT = "mario.rossi@pec.ording.roma.it"  # as a command's argument names a mailbox

PROBE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "pecportal.settings"
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), "django" in client.integrations, client.options["send_default_pii"])
"""

# The portal's own Sentry client (made by settings.py) with its transport swapped for one that
# keeps the events, and a view that fails on a POST while a local variable holds a password.
ERROR_PROBE = """
import json, os, sys, types
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pecportal.settings"
django.setup()
import sentry_sdk
from django.test import Client, override_settings
from django.urls import path
from sentry_sdk.transport import Transport


class KeptEvents(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.type == "event"]


if sys.argv[1] == "sentry-defaults":  # the portal made no client: its settings saw no DSN
    sentry_sdk.init(dsn=os.environ["PROBE_DSN"], send_default_pii=False)
client = sentry_sdk.get_client()
client.transport = kept = KeptEvents(client.options)


def password_check(request):
    chosen = request.POST["nuova"]
    raise RuntimeError(f"controllo fallito su {len(chosen)} caratteri")


urls = types.ModuleType("sentry_probe_urls")
urls.urlpatterns = [path("prova/", password_check)]
sys.modules["sentry_probe_urls"] = urls
with override_settings(ROOT_URLCONF="sentry_probe_urls"):
    response = Client(raise_request_exception=False).post("/prova/", {"nuova": os.environ["PROBE_PASSWORD"]}, secure=True)
print(json.dumps({"status": response.status_code, "events": kept.events}))
"""


def sentry_state(**env):
    done = subprocess.run([sys.executable, "-c", PROBE], check=False, cwd=ROOT, env=production_env(**env),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def events_of_a_failing_post(options):
    # The password travels in the environment, where no option of Sentry's looks.
    dsn = {"SENTRY_DSN": None, "PROBE_DSN": LOOPBACK_DSN} if options == "sentry-defaults" else {"SENTRY_DSN": LOOPBACK_DSN}
    done = subprocess.run([sys.executable, "-c", ERROR_PROBE, options, ARGUMENT], check=False, cwd=ROOT,
                          env=production_env(**dsn, LOG_LEVEL="CRITICAL", PROBE_PASSWORD=SECRET),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 500
    assert answer["events"], "the error reached Sentry"
    return answer["events"]


def frames(event):
    return [frame for exception in event.get("exception", {}).get("values", [])
            for frame in exception.get("stacktrace", {}).get("frames", [])]


def test_sentry_is_on_with_a_dsn_and_sends_no_personal_data():
    assert sentry_state(SENTRY_DSN=LOOPBACK_DSN) == ["True", "True", "False"]


def test_sentry_stays_off_without_a_dsn():
    assert sentry_state(SENTRY_DSN=None)[0] == "False"


def test_an_error_reaches_sentry_without_the_request_body_local_variables_or_arguments():
    events = events_of_a_failing_post("portal")
    assert SECRET not in json.dumps(events) and ARGUMENT not in json.dumps(events)
    assert any("controllo fallito" in json.dumps(event) for event in events)
    for event in events:
        assert frames(event), "the stack trace itself is kept"
        assert not [frame for frame in frames(event) if frame.get("vars")]
        assert "nuova" not in json.dumps(event.get("request", {}))


@pytest.mark.parametrize("options", ["sentry-defaults"])
def test_with_sentrys_defaults_the_same_probe_would_see_the_password(options):
    # The check above is worth something only if the probe can see a leak when there is one.
    events = json.dumps(events_of_a_failing_post(options))
    assert SECRET in events and ARGUMENT in events
