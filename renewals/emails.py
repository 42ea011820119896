"""The e-mails of the nightly jobs, rendered from templates/renewals/email/ in the holder's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .pricing import renewal_quote


def topup_path(shortfall_cents):
    """The top-up page (SPEC 4) pre-filled with the shortfall, raised to the top-up minimum: the
    page refuses less (SPEC 3.4), and a link that leads to an error helps nobody."""
    if shortfall_cents <= 0:
        return "/credit/topup/"
    cents = max(shortfall_cents, settings.TOPUP_MIN_CENTS)
    return f"/credit/topup/?amount={cents // 100}.{cents % 100:02d}"


def topup_url(shortfall_cents):
    return settings.PORTAL_BASE_URL.rstrip("/") + topup_path(shortfall_cents)


def _message(*, holder, template, context):
    with translation.override(holder.language or settings.LANGUAGE_CODE):
        context = {"holder": holder, "portal_url": settings.PORTAL_BASE_URL.rstrip("/"), **context}
        subject = " ".join(render_to_string(f"renewals/email/{template}_subject.txt", context).split())
        text = render_to_string(f"renewals/email/{template}.txt", context)
        html = render_to_string(f"renewals/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[holder.email])
    message.attach_alternative(html, "text/html")
    return message


def expiry_alert_message(*, holder, mailboxes, balance_cents, on_date):
    """``mailboxes``: each with ``active_addons`` and ``stage`` (the stage being mailed)."""
    entries = [
        {"mailbox": mailbox, "days_left": (mailbox.expires_on - on_date).days,
         "quote": renewal_quote(mailbox=mailbox, addons=mailbox.active_addons)}
        for mailbox in mailboxes
    ]
    total = sum(entry["quote"].total_gross_cents for entry in entries)
    shortfall = max(0, total - balance_cents)
    return _message(holder=holder, template="expiry_alert", context={
        "entries": entries, "total_cents": total, "balance_cents": balance_cents,
        "shortfall_cents": shortfall, "topup_url": topup_url(shortfall),
    })


def addons_deactivated_message(*, holder, mailbox, lines, balance_cents):
    """``lines``: the PriceLine of each add-on switched off for want of credit."""
    return _message(holder=holder, template="addons_deactivated", context={
        "mailbox": mailbox, "lines": lines, "balance_cents": balance_cents,
        "topup_url": topup_url(sum(line.gross_cents for line in lines) - balance_cents),
    })
