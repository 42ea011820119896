"""A real localstripe process on a free loopback port, and settings pointing the portal at it."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

WEBHOOK_SECRET = "whsec_portal_tests"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "billing.localstripe_server", "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"localstripe exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=0.5) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("localstripe did not become ready") from None
            time.sleep(0.05)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def stripe_settings(settings, localstripe_url):
    """The portal talks to the session's localstripe (test mode) with a known webhook secret."""
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_SECRET_KEY = "sk_test_portal_tests"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal_tests"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def stripe_webhook(stripe_settings, live_server, localstripe_url):
    """localstripe delivers payment_intent events to the live test server's /stripe/webhook/."""
    body = json.dumps({
        "url": f"{live_server.url}/stripe/webhook/",
        "secret": WEBHOOK_SECRET,
        "events": ["payment_intent.succeeded", "payment_intent.payment_failed"],
    }).encode()
    request = urllib.request.Request(f"{localstripe_url}/_config/webhooks/portal", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    return f"{live_server.url}/stripe/webhook/"
