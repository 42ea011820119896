"""The address a request came from, for the login lockout and the card-testing limit.

X-Forwarded-For is written by whoever sends the request, so only the entries our own proxies
appended can be believed: with N proxies in front (TRUSTED_PROXY_COUNT), the N-th entry from the
right. Without proxies the header is ignored, so rotating it never escapes a limit."""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # A request that skipped our proxies: its own address is all we know.
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
