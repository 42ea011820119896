"""Benchmark of one add-on order over many mailboxes (addons/bulk.py) on PostgreSQL.

Fills its own database (dropped and re-created) with one holder owning N certified mailboxes of
staggered expiries (so every price band occurs), enough credit, then times, as the view calls them,
the selection of "all that match the filter" with the quote, and the placement (which completes at
once: one debit, one invoice with a line per paid mailbox, one add-on per mailbox). Prints each
time and its query count.

    .venv/bin/python bench/bulk_order_bench.py                    # 5,000 mailboxes
    .venv/bin/python bench/bulk_order_bench.py --mailboxes 1000
"""

import argparse
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mailboxes", type=int, default=5_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pec_bench_bulk_order")
    return parser.parse_args()


def fill(n_mailboxes):
    from django.utils import timezone

    from accounts.services import holder_create
    from billing.models import LedgerEntry
    from billing.services import wallet_post
    from mailboxes.models import Mailbox, Plan

    holder = holder_create(fiscal_code="RSSMRA80A01H501U", first_name="Ordine", last_name="Bench",
                           email="ordine@example.it", street="Via Roma 1", postal_code="00184", city="Roma",
                           province="RM", country="IT")
    plan = Plan.objects.get(code="standard")
    today = timezone.localdate()
    Mailbox.objects.bulk_create(
        Mailbox(holder=holder, address=f"b{i}@pec.example.it", password_hash="!", plan=plan,
                status=Mailbox.Status.CERTIFIED, requested_on=today, certified_on=today,
                expires_on=today + timedelta(days=30 + i % 1000))
        for i in range(n_mailboxes)
    )
    wallet_post(holder_id=holder.pk, amount_cents=10_000 * n_mailboxes, kind=LedgerEntry.Kind.ADJUSTMENT,
                reference="bench:credit", description="Credito del benchmark")
    return holder, today


def timed(work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        result = work()
        seconds = time.monotonic() - started
    return result, seconds, len(queries)


def main():
    args = parse_args()
    os.environ.update({"DATABASE_URL": args.database_url, "EMAIL_URL": "dummymail://", "LOG_LEVEL": "WARNING",
                       "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "pecportal.settings"})
    sys.path[:0] = [str(BASE_DIR), str(BASE_DIR / "bench")]
    from renewals_bench import recreate_database

    recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.http import QueryDict

    from addons.bulk import bulk_order_place, bulk_order_quote
    from mailboxes.selectors import mailbox_selection

    call_command("migrate", verbosity=0)
    holder, today = fill(args.mailboxes)
    choice = {"holder": holder, "addon_type_code": "inbox_extra", "quantity": 2, "today": today}
    data = QueryDict("all=1&q=&status=")

    def quote():
        return bulk_order_quote(mailbox_ids=mailbox_selection(holder=holder, data=data).ids, **choice)

    quoted, quote_seconds, quote_queries = timed(quote)
    bands = ", ".join(f"{band.years} y × {band.count}" for band in quoted.bands())
    placement, place_seconds, place_queries = timed(lambda: bulk_order_place(
        mailbox_ids=mailbox_selection(holder=holder, data=data).ids, order_key=uuid.uuid4(),
        expected_gross_cents=quoted.gross_cents, **choice))
    load = os.getloadavg()[0]
    print(f"quote: {len(quoted.items):,} mailboxes ({bands}) in {quote_seconds:.2f} s, {quote_queries} queries")
    print(f"placement: order {placement.order.status}, {placement.order.gross_cents / 100:,.2f} EUR, in "
          f"{place_seconds:.2f} s, {place_queries} queries; load average {load:.2f}")


if __name__ == "__main__":
    main()
