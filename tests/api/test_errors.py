"""Whatever is sent, the answer is JSON with a stable code, and never a 500."""

import string

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import error_code

LISTS = ["/api/v1/mailboxes/", "/api/v1/operations/", "/api/v1/invoices/", "/api/v1/credit/ledger/"]
PARAMETERS = ["after", "before", "limit", "status", "q", "expires_after", "expires_before", "kind", "page"]


def test_a_method_the_endpoint_has_not_is_a_405(reader):
    response = reader.client.delete("/api/v1/mailboxes/", HTTP_AUTHORIZATION=f"Bearer {reader.key}")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
    assert reader.post("/api/v1/credit/").status_code == 405


def test_an_unknown_endpoint_is_a_json_404(reader, client):
    for path in ("/api/v1/nothing/", "/api/v1/mailboxes", "/api/v1/mailboxes/abc/"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"
    assert error_code(client.post("/api/v1/orders/bulk")) == "not_found"


def test_bad_query_parameters_are_a_400_naming_the_field(reader):
    cases = [("after", "abc"), ("before", "-1"), ("after", "9" * 30), ("limit", "0"), ("limit", "101"),
             ("limit", "x"), ("status", "attiva"), ("expires_after", "2026-02-30"), ("q", "a" * 255),
             ("q", "nul\x00"), ("page", "2")]
    for name, value in cases:
        response = reader.get("/api/v1/mailboxes/", {name: value})
        assert response.status_code == 400, (name, value, response.content)
        assert error_code(response) == "invalid_request"
        assert name in response.json()["fields"], (name, response.json())
    crossed = reader.get("/api/v1/mailboxes/", {"expires_after": "2027-01-02", "expires_before": "2027-01-01"})
    assert "expires_before" in crossed.json()["fields"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(LISTS),
       query=st.dictionaries(st.sampled_from(PARAMETERS),
                             st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
                             | st.text(alphabet=string.digits + "-", max_size=25), max_size=4))
def test_any_query_is_answered_with_json_and_no_500(reader, path, query):
    response = reader.get(path, query)
    assert response.status_code in (200, 400), (path, query, response.status_code)
    if response.status_code == 400:
        assert error_code(response) in {"invalid_request", "cursor_not_found"}


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_over_the_rate_limit_is_a_429_with_retry_after(reader, orderer):
    for _ in range(3):
        assert reader.get("/api/v1/credit/").status_code == 200
    response = reader.get("/api/v1/credit/")
    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Per token: the holder's other token is counted apart.
    assert orderer.get("/api/v1/credit/").status_code == 200


def test_ids_beyond_any_row_are_a_404(reader, orderer):
    huge = "9" * 30
    for path in (f"/api/v1/mailboxes/{huge}/", f"/api/v1/invoices/{huge}/pdf/", f"/api/v1/invoices/{huge}/fatturapa/"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"
    ordered = orderer.post(f"/api/v1/mailboxes/{huge}/orders/", {"addon_type": "inbox_extra", "quantity": 1},
                           idempotency_key="k-huge")
    assert ordered.status_code == 404
