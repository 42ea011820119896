from django.db import models

from accounts.models import Holder


class IdempotentRequest(models.Model):
    """The first answer to an order request with its ``Idempotency-Key``: a retry with the same key
    and body gets this answer again and changes nothing; the same key with another body is refused.
    Keys are the holder's, whichever of their tokens sent them."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the canonical JSON body.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "key"], name="idempotency_key_once_per_holder")]
