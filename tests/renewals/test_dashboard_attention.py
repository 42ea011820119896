"""The dashboard names what the holder must act on (docs/renewals.md, "Dashboard"), each item
with the link that fixes it, and says so when there is nothing; its queries do not grow with the
number of mailboxes, whether the forecast is kept in the cache or not."""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.models import Addon, Order
from mailboxes.models import Mailbox
from tests.addons.conftest import quote_then_confirm
from tests.factories import make_mailbox, make_mailboxes

from .conftest import STANDARD_GROSS, give_credit, make_addon


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def dashboard(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_to_act_on_says_so(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(200)
    mailbox.save()
    give_credit(holder, STANDARD_GROSS)

    page = dashboard(holder_client)

    assert 'data-testid="attention-none"' in page
    for item in ("attention-expiring", "attention-pending-orders", "attention-addons-off", "attention-in-grace"):
        assert f'data-testid="{item}"' not in page


def test_mailboxes_expiring_within_90_days_with_those_that_will_not_renew(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(20)
    mailbox.save()
    make_mailbox(holder, expires_on=in_days(45), auto_renew=False)
    make_mailbox(holder, expires_on=in_days(80), cancelled_on=in_days(-1), auto_renew=False)
    make_mailbox(holder, expires_on=in_days(120))

    page = dashboard(holder_client)

    assert f"3 caselle scadono entro 90 giorni, la prima il {in_days(20):%d/%m/%Y}." in page
    assert "2 non si rinnoveranno: rinnovo automatico disattivato o disdetta." in page
    assert 'href="/mailboxes/?status=certificata"' in page
    assert 'data-testid="attention-none"' not in page


def test_renewals_due_against_the_credit_with_the_top_up_of_the_90_day_need(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(20)
    mailbox.save()
    make_mailbox(holder, expires_on=in_days(60))
    give_credit(holder, STANDARD_GROSS - 100)

    page = dashboard(holder_client)

    assert "Rinnovi automatici: € 6,10 nei prossimi 30 giorni, € 12,20 nei prossimi 90." in page
    assert f"Il credito di oggi non basta dal {in_days(20):%d/%m/%Y}." in page
    assert 'href="/credit/topup/?amount=7,10" data-testid="attention-topup"' in page


def test_pending_orders_with_a_top_up_of_exactly_their_shortfall(holder_client, holder, mailbox):
    give_credit(holder, 100)
    quote_then_confirm(holder_client, mailbox, quantity="1")

    page = dashboard(holder_client)

    assert "1 ordine attende il pagamento." in page
    assert 'data-testid="attention-pending-topup"' in page
    assert "Ricarica i €" in page and 'href="/operations/?type=order"' in page


def test_the_kept_card_follows_pending_orders_as_they_come_and_go(holder_client, holder, mailbox):
    give_credit(holder, 100)
    assert "attende il pagamento" not in dashboard(holder_client)
    assert "attende il pagamento" not in dashboard(holder_client)  # now kept

    quote_then_confirm(holder_client, mailbox, quantity="1")
    assert "1 ordine attende il pagamento." in dashboard(holder_client)

    Order.objects.filter(holder=holder).update(created_at=timezone.now() - timedelta(hours=73))
    assert "attende il pagamento" not in dashboard(holder_client)


def test_add_ons_switched_off_in_the_last_30_days(holder_client, holder, mailbox):
    recent, old = make_addon(mailbox), make_addon(make_mailbox(holder))
    Addon.objects.filter(pk=recent.pk).update(status=Addon.Status.DEACTIVATED, deactivated_on=in_days(-3))
    Addon.objects.filter(pk=old.pk).update(status=Addon.Status.DEACTIVATED, deactivated_on=in_days(-40))

    page = dashboard(holder_client)

    assert "1 servizio aggiuntivo disattivato negli ultimi 30 giorni." in page
    assert 'href="/operations/?type=deactivation"' in page


def test_expired_mailboxes_still_in_grace_with_rinnova_ora(holder_client, holder, mailbox):
    in_grace = [make_mailbox(holder, address=f"scaduta{n}@pec.example.it", status=Mailbox.Status.EXPIRED,
                             expires_on=in_days(-10 - n)) for n in range(4)]
    make_mailbox(holder, address="troppo.tardi@pec.example.it", status=Mailbox.Status.EXPIRED, expires_on=in_days(-200))

    page = dashboard(holder_client)

    assert "4 caselle scadute si possono ancora rinnovare:" in page
    for mailbox_shown in in_grace[1:]:  # the three that expired first
        assert f'{mailbox_shown.address} (scaduta il {mailbox_shown.expires_on:%d/%m/%Y}) — <a href="/mailboxes/{mailbox_shown.pk}/">Rinnova ora</a>' in page
    assert in_grace[0].address not in page and "troppo.tardi" not in page
    assert 'href="/mailboxes/?status=scaduta"' in page


def test_the_dashboard_in_english(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(20)
    mailbox.save()
    italian = dashboard(holder_client)  # kept in Italian first
    holder_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = dashboard(holder_client)
    assert "1 casella scade entro 90 giorni" in italian
    assert "1 mailbox expires within 90 days, on" in page and "Needs your attention" in page


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        dashboard(client)
    return len(queries)


def test_queries_do_not_grow_with_the_mailboxes_cold_or_kept(holder_client, holder, mailbox):
    few_cold, few_kept = count_queries(holder_client), count_queries(holder_client)
    many = make_mailboxes(holder, 200)
    make_addon(many[0])
    Mailbox.objects.filter(pk__in=[box.pk for box in many[:50]]).update(status=Mailbox.Status.EXPIRED,
                                                                        expires_on=in_days(-5))
    cache.clear()
    assert (count_queries(holder_client), count_queries(holder_client)) == (few_cold, few_kept)
    assert few_kept < few_cold
