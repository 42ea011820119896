"""The card-testing limit on declined confirmations (docs/billing.md "Card testing").

A stolen card list is tried one card after another, and Stripe lets one PaymentIntent take
another card after each decline, so counting the intents created (core.ratelimit) is not enough:
every declined confirmation is recorded once, and a holder, or a client address, with
TOPUP_DECLINE_LIMIT_PER_HOUR of them in the last hour may start no top-up until they age out.
The database keeps the count, so the limit holds with the cache (Redis) down."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CardDecline

SUSPENDED_MESSAGE = _(
    "Troppi pagamenti con carta rifiutati nell'ultima ora: per proteggere le carte di pagamento "
    "le ricariche sono sospese. Riprova tra un'ora o contatta l'assistenza."
)


def decline_record(*, topup, attempt):
    """Count one declined confirmation of ``topup``; an ``attempt`` counted before counts nothing."""
    CardDecline.objects.get_or_create(attempt=attempt[:255], defaults={"topup": topup})


def topups_suspended(*, holder_id, client_ip):
    """True while the holder, or the client address (when known), is at the decline limit."""
    limit = settings.TOPUP_DECLINE_LIMIT_PER_HOUR
    recent = CardDecline.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1))
    # Counting stops at the limit: under an attack the rows grow, the query does not.
    if recent.filter(topup__holder_id=holder_id)[:limit].count() >= limit:
        return True
    return bool(client_ip) and recent.filter(topup__client_ip=client_ip)[:limit].count() >= limit
