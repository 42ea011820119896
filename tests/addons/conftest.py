import re

import pytest

from billing.models import LedgerEntry
from billing.services import wallet_post

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="(order_key|quoted_gross_cents)" value="([^"]*)"')


def order_url(mailbox):
    return f"/mailboxes/{mailbox.pk}/addons/new/"


def hidden_fields(html):
    """The hidden fields a browser would send back with the order form."""
    return dict(HIDDEN_INPUT.findall(html))


def quote_then_confirm(client, mailbox, *, addon_type="inbox_extra", quantity="3"):
    """What a holder does: choose, see the total, press Conferma. Returns (quote page, response)."""
    first = client.get(order_url(mailbox)).content.decode()
    choice = {"addon_type": addon_type, "quantity": quantity}
    quote = client.post(order_url(mailbox), {**choice, **hidden_fields(first)}).content.decode()
    confirmed = client.post(order_url(mailbox), {**choice, **hidden_fields(quote), "confirm": "1"})
    return quote, confirmed


def give_credit(holder, cents, reference="test:credit"):
    wallet_post(holder_id=holder.pk, amount_cents=cents, kind=LedgerEntry.Kind.ADJUSTMENT,
                reference=f"{reference}:{holder.pk}", description="Credito di prova")


@pytest.fixture
def funded_client(holder_client, holder):
    give_credit(holder, 2000)
    return holder_client
