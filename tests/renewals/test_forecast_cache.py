"""The forecast is kept in the cache under a key the database moves on every change it reads
(renewals.forecast_cache, migration renewals 0005): a repeated page reads no mailbox, and no change
made by any path, however it writes, leaves an old forecast on screen."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import HolderCounts
from addons.models import Addon, AddonType
from mailboxes.models import Mailbox, Plan
from renewals.forecast import FORECAST_PAGE_ROWS
from tests.factories import make_holder, make_mailbox, make_mailboxes

from .conftest import STANDARD_GROSS, give_credit, make_addon

PAGE = "/renewals/forecast/"


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def changes(holder):
    return HolderCounts.objects.get(holder=holder).renewal_changes


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return without_csrf_token(page), [query["sql"] for query in queries]


def without_csrf_token(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def reads_mailboxes(sqls):
    return any('FROM "mailboxes_mailbox"' in sql for sql in sqls)


def test_a_repeated_page_comes_from_the_cache_with_the_same_content(holder_client, holder, mailbox):
    make_mailboxes(holder, 2 * FORECAST_PAGE_ROWS)
    first, first_sqls = queries_of(holder_client, PAGE + "?page=2")
    again, again_sqls = queries_of(holder_client, PAGE + "?page=2")
    other_page, other_sqls = queries_of(holder_client, PAGE + "?page=3")

    assert reads_mailboxes(first_sqls)
    assert not reads_mailboxes(again_sqls) and not reads_mailboxes(other_sqls)
    assert again == first
    cache.clear()
    assert queries_of(holder_client, PAGE + "?page=3")[0] == other_page


def test_the_kept_content_is_kept_per_language(holder_client, holder, mailbox):
    italian, _ = queries_of(holder_client, PAGE)
    holder_client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    english, english_sqls = queries_of(holder_client, PAGE)
    english_again, again_sqls = queries_of(holder_client, PAGE)

    assert '<h1 class="h3">Previsione rinnovi</h1>' in italian
    assert '<h1 class="h3">Renewal forecast</h1>' in english and english_again == english
    assert not reads_mailboxes(english_sqls) and not reads_mailboxes(again_sqls)  # the digest was kept


def test_queries_of_a_kept_forecast_do_not_grow_with_the_mailboxes(holder_client, holder, mailbox):
    holder_client.get(PAGE)
    _, few = queries_of(holder_client, PAGE)
    make_mailboxes(holder, 300)
    holder_client.get(PAGE)
    _, many = queries_of(holder_client, PAGE)
    assert len(many) == len(few)


@pytest.mark.parametrize("change", [
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(auto_renew=False),
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=in_days(200)),
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(status=Mailbox.Status.SUSPENDED),
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(cancelled_on=in_days(0)),
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(address="nuovo@pec.example.it"),
    lambda mailbox: Mailbox.objects.filter(pk=mailbox.pk).update(plan=Plan.objects.get(code="pro")),
    lambda mailbox: make_mailbox(mailbox.holder, address="altra@pec.example.it", expires_on=in_days(3)),
    lambda mailbox: make_addon(mailbox, quantity=2),
    lambda mailbox: Plan.objects.filter(code="standard").update(yearly_price_cents=900),
], ids=["auto-renew", "expiry", "status", "cancellation", "address", "plan", "new mailbox", "new add-on",
        "plan price"])
def test_every_change_the_forecast_reads_moves_the_key_and_shows_at_once(holder_client, holder, mailbox, change):
    mailbox.expires_on = in_days(10)
    mailbox.save()
    before_changes = changes(holder)
    before, _ = queries_of(holder_client, PAGE)

    change(mailbox)

    assert changes(holder) > before_changes
    assert queries_of(holder_client, PAGE)[0] != before


def test_add_on_changes_and_their_prices_move_the_key(holder, mailbox):
    addon = make_addon(mailbox, quantity=1)
    for change in (
        lambda: Addon.objects.filter(pk=addon.pk).update(quantity=3),
        lambda: Addon.objects.filter(pk=addon.pk).update(cancelled_on=in_days(0)),
        lambda: Addon.objects.filter(pk=addon.pk).update(status=Addon.Status.DEACTIVATED),
        lambda: AddonType.objects.filter(pk=addon.addon_type_id).update(yearly_unit_price_cents=999),
        lambda: Addon.objects.filter(pk=addon.pk).delete(),
    ):
        before = changes(holder)
        change()
        assert changes(holder) == before + 1


def test_what_the_forecast_does_not_read_leaves_the_key_alone(holder, mailbox):
    other = make_holder(fiscal_code="VRDLGU80A01H501X")
    other_before = changes(holder), HolderCounts.objects.filter(holder=other).first()
    before = changes(holder)
    Mailbox.objects.filter(pk=mailbox.pk).update(password_hash="x", inbox_extra_gb=5, end_client=True)
    Mailbox.objects.filter(pk=mailbox.pk).update(auto_renew=mailbox.auto_renew)  # the same value again
    assert changes(holder) == before
    assert other_before[1] is None  # a holder without mailboxes got no row from these statements
    assert not HolderCounts.objects.filter(holder=other).exists()


def test_one_statement_over_many_mailboxes_counts_once(holder, mailbox):
    make_mailboxes(holder, 50)
    before = changes(holder)
    Mailbox.objects.filter(holder=holder).update(auto_renew=False)
    assert changes(holder) == before + 1


def test_credit_arriving_shows_at_once(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(10)
    mailbox.save()
    assert ">Non coperto<" in holder_client.get(PAGE).content.decode()
    give_credit(holder, STANDARD_GROSS)
    page = holder_client.get(PAGE).content.decode()
    assert ">Non coperto<" not in page and ">Coperto<" in page


def test_with_the_cache_down_the_pages_are_computed_and_right(holder_client, holder, mailbox, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    mailbox.expires_on = in_days(10)
    mailbox.save()
    give_credit(holder, STANDARD_GROSS)

    response, dashboard = holder_client.get(PAGE), holder_client.get("/")

    assert response.status_code == 200 and dashboard.status_code == 200
    assert ">Coperto<" in response.content.decode()
    assert "Il credito di oggi copre i rinnovi dei prossimi 12 mesi." in dashboard.content.decode()
    assert "Forecast cache unreadable" in caplog.text
