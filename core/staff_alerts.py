"""One way to tell the people who run the portal that something needs a human.

Money events (a refund or dispute from Stripe) and nightly failures call ``staff_alert``; it
e-mails ``STAFF_ALERT_EMAIL`` and always logs, so an alert is never lost when no address is set
or the mail server refuses it."""

import logging

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger("pecportal.staff_alerts")


def staff_alert(*, subject, body):
    """Log the alert and e-mail it to STAFF_ALERT_EMAIL (a list); a mail failure is logged, not raised."""
    logger.warning("staff alert: %s", subject)
    recipients = settings.STAFF_ALERT_EMAIL
    if not recipients:
        return
    try:
        send_mail(f"[Area Clienti] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        logger.exception("staff alert e-mail not sent: %s", subject)
