"""``Idempotency-Key`` on the order endpoints (docs/api.md, "Idempotency"): the first answer to a
key is stored with the order it placed, in the same transaction, so a retry after a lost answer gets
that answer again and never a second order; the same key with another body is a 409.

A concurrent retry waits on the key's unique index until the first request commits, then reads its
answer. Answers given before anything ran (bad JSON, a field's error, another holder's id) are not
stored: nothing happened, and the retry is judged afresh. Answers are kept API_IDEMPOTENCY_DAYS,
then purged daily (api.tasks): a key reused later is refused by the order it placed, whose own
unique key derives from it, so it never places a second order."""

import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import ApiError
from .models import IdempotentRequest

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


def idempotency_key(request):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise ApiError(code="idempotency_key_required", status_code=400, message=_(
            "Gli ordini richiedono l'intestazione Idempotency-Key (ad esempio un UUID nuovo per ogni ordine)."))
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(code="invalid_idempotency_key", status_code=400, message=_(
            "Idempotency-Key non valida: da 1 a 255 caratteri ASCII stampabili, senza spazi."))
    return key


def fingerprint(request, body):
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def idempotent(request, *, key, body, place):
    """The stored answer to ``key`` if there is one, else ``place()``'s (a Response), stored."""
    holder = request.auth.holder
    signature = fingerprint(request, body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(holder=holder, key=key, fingerprint=signature,
                                                          status_code=0, body={})
        except IntegrityError:
            record = IdempotentRequest.objects.get(holder=holder, key=key)
            if record.fingerprint != signature:
                raise ApiError(code="idempotency_key_reused", status_code=409, message=_(
                    "Questa Idempotency-Key è già stata usata per una richiesta diversa.")) from None
            return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        response = place()
        record.status_code, record.body = response.status_code, response.data
        record.save(update_fields=["status_code", "body"])
        return response


def idempotency_records_purge(*, now=None):
    """Forgets the answers older than API_IDEMPOTENCY_DAYS; how many there were."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.API_IDEMPOTENCY_DAYS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
