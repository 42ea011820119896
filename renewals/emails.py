"""The e-mails of the nightly jobs, rendered from templates/renewals/email/ in the holder's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from billing.links import topup_url
from core.money import format_euro
from invoices.selectors import invoice_missing_data

from .pricing import renewal_quote


def _message(*, holder, template, context, alert=False):
    """``alert``: an expiry alert or a deactivation notice, which also goes to the holder's
    alert_emails."""
    with translation.override(holder.language or settings.LANGUAGE_CODE):
        context = {"holder": holder, "portal_url": settings.PORTAL_BASE_URL.rstrip("/"), **context}
        subject = " ".join(render_to_string(f"renewals/email/{template}_subject.txt", context).split())
        text = render_to_string(f"renewals/email/{template}.txt", context)
        html = render_to_string(f"renewals/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[holder.email, *(holder.alert_emails if alert else [])])
    message.attach_alternative(html, "text/html")
    return message


def expiry_alert_message(*, holder, mailboxes, balance_cents, debt_cents=0, on_date):
    """``mailboxes``: each with ``active_addons`` and ``stage`` (the stage being mailed). A debt is
    paid by the next credit before anything else, so it counts in the credit the renewals lack.

    Each mailbox's dates, plural and amounts are formatted here, in the holder's language, and the
    templates only place them: inside the templates' per-mailbox loops the date filter, euro filter
    and blocktranslate cost half the rendering, which is most of a first scan's time."""
    with translation.override(holder.language or settings.LANGUAGE_CODE):
        entries, total = [], 0
        for mailbox in mailboxes:
            quote = renewal_quote(mailbox=mailbox, addons=mailbox.active_addons)
            days = (mailbox.expires_on - on_date).days
            entries.append({
                "address": mailbox.address, "auto_renew": mailbox.auto_renew, "expires": f"{mailbox.expires_on:%d/%m/%Y}",
                "days_left": ngettext("tra %(days)s giorno", "tra %(days)s giorni", days) % {"days": days},
                "lines": [(line.label, format_euro(line.gross_cents)) for line in quote.lines],
                "total": format_euro(quote.total_gross_cents),
            })
            total += quote.total_gross_cents
        # The renewal runs and is invoiced all the same; the invoice reaches SdI once the data are complete.
        billing_data_missing = invoice_missing_data(holder)
    shortfall = max(0, total - balance_cents + debt_cents)
    return _message(holder=holder, template="expiry_alert", alert=True, context={
        "entries": entries, "total_cents": total, "balance_cents": balance_cents, "debt_cents": debt_cents,
        "shortfall_cents": shortfall, "topup_url": topup_url(shortfall, absolute=True),
        "billing_data_missing": billing_data_missing,
    })


def addons_deactivated_message(*, holder, mailbox, lines, balance_cents):
    """``lines``: the PriceLine of each add-on switched off for want of credit."""
    return _message(holder=holder, template="addons_deactivated", alert=True, context={
        "mailbox": mailbox, "lines": lines, "balance_cents": balance_cents,
        "topup_url": topup_url(sum(line.gross_cents for line in lines) - balance_cents, absolute=True),
    })


def cancellation_message(*, holder, item, ends_on, revoked):
    """The confirmation of a disdetta (or of its revocation) of ``item``, a mailbox's address or an
    add-on's label with its mailbox, which ends (or would have ended) on ``ends_on``."""
    return _message(holder=holder, template="cancellation", context={
        "item": item, "ends_on": ends_on, "revoked": revoked,
    })
