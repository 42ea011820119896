"""The OpenAPI schema validates and the page that reads it is served from the portal's own files."""

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in ("/api/v1/mailboxes/", "/api/v1/orders/bulk/", "/api/v1/invoices/{invoice_id}/fatturapa/"):
        assert f"  {path}:" in schema, path
    assert "Idempotency-Key" in schema and "bearer" in schema


def test_the_schema_is_served(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_page_loads_nothing_from_elsewhere(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), html
    assert "<style" not in html and "<script>" not in html
    for asset in re.findall(r"(?:src|href)=\"/static/([^\"?]+)", html):
        assert finders.find(asset), asset
    script = re.search(r"<script src=\"([^\"]+\?script=)\"", html.replace("&amp;", "&")).group(1)
    init = client.get(script)
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in init.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_the_schema_comes_as_json_on_request(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/mailboxes/" in response.json()["paths"]
