"""Hypothesis-generated query strings on the live quote endpoint (addons.views.addon_order_quote):
never a 5xx, always the JSON addon_quote.js reads, and nothing bought."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addons.models import Addon, Order
from tests.security.test_fuzz_forms import fuzz_text

pytestmark = pytest.mark.django_db

# What the page sends, what int() and str.isdigit() disagree on, what PostgreSQL cannot compare.
TRICKY = ["inbox_extra", "archive_extra", "conservazione", "3", "50", "²", "٣", "３", "9" * 5000, "1" * 4301,
          "3\x00", "inbox_extra\x00", " 3 ", "3.0", "-3", "1e3"]
value = st.one_of(st.sampled_from(TRICKY), fuzz_text, st.integers().map(str))
extra_pairs = st.lists(st.tuples(fuzz_text, value), max_size=2)
# Both parameters, as addon_quote.js always sends them, percent-encoded as a browser does, then maybe
# raw bytes as anything else may send them (bad percent escapes, bytes that are not UTF-8, the same
# parameters again: the last one wins).
raw_tail = st.one_of(st.just(""), st.binary(max_size=100).map(lambda raw: "&" + raw.decode("latin-1")),
                     st.text(alphabet="%=&+;0123456789abcdefxyz_²", max_size=40))
query_strings = st.builds(
    lambda addon_type, quantity, extra, tail: urlencode([("addon_type", addon_type), ("quantity", quantity), *extra]) + tail,
    st.one_of(st.sampled_from(TRICKY), fuzz_text), st.one_of(st.sampled_from(TRICKY), fuzz_text), extra_pairs, raw_tail,
)


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=query_strings)
def test_the_quote_endpoint_answers_every_query_string_with_a_quote_or_a_reason(holder_client, mailbox, query):
    orders = (Order.objects.count(), Addon.objects.count())
    response = holder_client.get(f"/mailboxes/{mailbox.pk}/addons/quote/", QUERY_STRING=query)
    assert response.status_code in (200, 400), response.status_code
    answer = response.json()
    if response.status_code == 200:
        assert answer["ok"] is True and answer["gross"].startswith("€ ")
    else:
        assert answer["ok"] is False and answer["error"].strip()
    assert (Order.objects.count(), Addon.objects.count()) == orders
