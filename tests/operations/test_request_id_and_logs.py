import io
import json
import logging
import subprocess
import sys

import pytest

from core.logging import JsonFormatter, RequestIdFilter, request_id_var
from tests.factories import PASSWORD
from tests.security.production import ROOT, production_env


@pytest.fixture
def json_log():
    """What the production console handler writes, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_every_response_carries_a_new_request_id(client, db):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_request_id_from_the_proxy_is_kept(client, db):
    response = client.get("/login/", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_a_request_id_that_could_forge_log_lines_is_replaced(client, db):
    response = client.get("/login/", headers={"X-Request-ID": 'x" level="CRITICAL'})
    assert response["X-Request-ID"] != 'x" level="CRITICAL'
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_written_during_a_request_carry_its_id(client, mailbox, json_log):
    response = client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    lines = [line for line in json_log() if line["logger"].startswith("axes")]
    assert lines
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}
    assert request_id_var.get() == "-"


def test_a_json_line_holds_time_level_logger_message_extras_and_the_exception(json_log):
    logger = logging.getLogger("pecportal.test")
    token = request_id_var.set("abc123")
    try:
        try:
            raise ValueError("rotto")
        except ValueError:
            logger.exception("rinnovo fallito per %s", "mario", extra={"mailbox_id": 7})
    finally:
        request_id_var.reset(token)
    [line] = [line for line in json_log() if line["logger"] == "pecportal.test"]
    assert line["level"] == "ERROR"
    assert line["message"] == "rinnovo fallito per mario"
    assert line["request_id"] == "abc123"
    assert line["mailbox_id"] == 7
    assert "ValueError: rotto" in line["exception"]
    assert line["time"].endswith("+00:00")


def test_production_writes_json_lines_with_the_request_id():
    probe = (
        "import os, django, logging\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'pecportal.settings'\n"
        "django.setup()\n"
        "from core.logging import request_id_var\n"
        "request_id_var.set('req-42')\n"
        "logging.getLogger('pecportal.probe').warning('credito verificato')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=False, cwd=ROOT, env=production_env(LOG_FORMAT=None),
                          capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert {"logger": "pecportal.probe", "level": "WARNING", "message": "credito verificato",
            "request_id": "req-42"}.items() <= next(line for line in lines if line["logger"] == "pecportal.probe").items()
