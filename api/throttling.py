import math
import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.ratelimit import allow

WINDOW_SECONDS = 60


class TokenRateThrottle(BaseThrottle):
    """API_RATE_LIMIT_PER_MINUTE requests per token and minute, counted on the shared cache
    (core.ratelimit: every worker sees one count; with the cache down requests go through)."""

    def allow_request(self, request, view):
        return allow(f"api:token:{request.auth.pk}", settings.API_RATE_LIMIT_PER_MINUTE, WINDOW_SECONDS)

    def wait(self):
        # The counter is a fixed window: it starts again at the next whole minute.
        return math.ceil(WINDOW_SECONDS - time.time() % WINDOW_SECONDS)
