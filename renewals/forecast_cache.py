"""The renewal forecast kept in the cache between requests: computing it (renewals.forecast) costs
about 150 ms for a holder of 10,000 mailboxes, reading it back well under one.

A computed forecast is stored as its digest and its pages under a key made of everything it read:
the holder, its ``renewal_changes`` (counted by the database on every change of its mailboxes, its
add-ons or their prices: migration 0005), its balance, today and the grace period. A change makes
a new key, so a stale forecast is never read, and nothing has to remember to throw one away; old
keys expire after FORECAST_CACHE_SECONDS. The page's content is kept rendered too, per page and
language, under the same key: a kept page is one cache read and the page around it. Where the
database keeps no counts (SQLite, the demo) or the cache is down, the forecast is computed for the
request, as before."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import mark_safe

from accounts.selectors import holder_counts
from billing.selectors import holder_balance_cents

from .attention import mailbox_attention
from .forecast import (
    forecast_digest,
    forecast_for_holder,
    forecast_page,
    forecast_page_number,
    forecast_pages,
)

logger = logging.getLogger(__name__)

# The layout of what is stored: a change to ForecastDigest, ForecastMonth or ForecastRow, or to the
# templates kept rendered (renewals/forecast_content.html, renewals/dashboard_attention.html and what
# they include), bumps it.
FORECAST_CACHE_FORMAT = 2


def cached_attention_html(*, holder, today, language, pending_orders, render):
    """The dashboard's "Da tenere d'occhio" card in ``language``, as HTML: kept, or made by
    ``render(digest, attention)`` and kept. Its mailbox facts (renewals.attention) read the same
    columns the change count follows, so they share the forecast's key; the pending orders move no
    count, so they are read for each request and name the kept card."""
    return _kept_html(
        holder=holder, today=today,
        part=f"attention-html:{language}:{pending_orders.count}:{pending_orders.shortfall_cents}",
        make=lambda key: render(*_dashboard_facts(holder=holder, today=today, key=key)))


def _dashboard_facts(*, holder, today, key):
    """(ForecastDigest, attention.MailboxAttention) of ``holder`` on ``today``, kept or computed."""
    kept = _cache_get_many(key, ["digest", "attention"]) or {}
    digest, attention = kept.get("digest"), kept.get("attention")
    if digest is None:
        digest, _pages = _forecast_compute(holder=holder, today=today, key=key)
    if attention is None:
        attention = mailbox_attention(holder_id=holder.pk, today=today)
        _cache_set_many(key, {"attention": attention})
    return digest, attention


def cached_forecast_html(*, holder, today, number, language, render):
    """The forecast page's content for page ``number`` in ``language``, as HTML: kept, or made by
    ``render(digest, page)`` from the kept (or computed) forecast and kept."""
    return _kept_html(
        holder=holder, today=today, part=f"html:{language}:{number}",
        make=lambda key: render(*_forecast_page(holder=holder, today=today, number=number, key=key)))


def _kept_html(*, holder, today, part, make):
    """The HTML kept as ``part`` under the holder's forecast key, or ``make(key)``'s, then kept.
    ``key`` is None where nothing can be kept (no counts, the cache unreadable): made for this
    request only."""
    key = _forecast_key(holder, today)
    kept = _cache_get_many(key, [part])
    if kept is None:
        key, kept = None, {}
    html = kept.get(part)
    if html is None:
        html = make(key)
        _cache_set_many(key, {part: html})
    return mark_safe(html)


def _forecast_page(*, holder, today, number, key):
    """(ForecastDigest, ForecastPage) of page ``number`` (or the nearest page there is)."""
    kept = _cache_get_many(key, ["digest", f"page:{number}"]) or {}
    digest = kept.get("digest")
    if digest is not None:
        if number != forecast_page_number(digest, number):  # a stale ?page= past the end
            number = forecast_page_number(digest, number)
            kept = _cache_get_many(key, [f"page:{number}"]) or {}
        rows = kept.get(f"page:{number}")
        if rows is not None:
            return digest, forecast_page(digest, number, rows)
    digest, pages = _forecast_compute(holder=holder, today=today, key=key)
    number = forecast_page_number(digest, number)
    return digest, forecast_page(digest, number, pages[number - 1])


def _forecast_key(holder, today):
    counts = holder_counts(holder)
    if counts is None:
        return None
    return (f"forecast:{FORECAST_CACHE_FORMAT}:{holder.pk}:{counts.renewal_changes}:"
            f"{holder_balance_cents(holder)}:{today.isoformat()}:{settings.GRACE_PERIOD_DAYS}")


def _forecast_compute(*, holder, today, key):
    forecast = forecast_for_holder(holder=holder, today=today)
    digest, pages = forecast_digest(forecast), forecast_pages(forecast)
    entries = {f"page:{number}": rows for number, rows in enumerate(pages, start=1)}
    entries["digest"] = digest
    _cache_set_many(key, entries)
    return digest, pages


def _cache_set_many(key, parts):
    if key is None:
        return
    try:
        cache.set_many({f"{key}:{part}": value for part, value in parts.items()},
                       timeout=settings.FORECAST_CACHE_SECONDS)
    except Exception:  # the cache is a speed-up: an outage costs time, not the page
        logger.warning("Forecast not cached", exc_info=True)


def _cache_get_many(key, parts):
    """{part: value} of the ``parts`` of the forecast under ``key`` that the cache holds; None
    when the cache cannot be read, so the caller stops asking it for this request."""
    if key is None:
        return {}
    try:
        kept = cache.get_many([f"{key}:{part}" for part in parts])
    except Exception:
        logger.warning("Forecast cache unreadable", exc_info=True)
        return None
    return {part: kept[f"{key}:{part}"] for part in parts if f"{key}:{part}" in kept}
