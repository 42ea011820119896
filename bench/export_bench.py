"""Benchmark of the CSV export of Lista caselle PEC (/mailboxes/export.csv) on PostgreSQL.

Fills its own database (dropped and re-created) by COPY, as bench/renewals_bench.py does, with one
holder owning N mailboxes, every second one with an active add-on; signs that holder in with
Django's test client (production settings) and hands the session to a child process, which
downloads the whole export through the view. Prints rows per second and the child's peak resident
memory (Linux's VmHWM; most of it is Django and the project's libraries, loaded by a first request
that exports nothing, before the measured download starts). The child runs in a virtualenv of
requirements.txt alone (.cache/venv-production, made on first use), as the Docker image installs:
the development one holds test tools that libraries import when present (stripe imports aiohttp,
celery greenlet, DRF pygments), which production processes never load.

    .venv/bin/python bench/export_bench.py                      # 100,000 mailboxes
    .venv/bin/python bench/export_bench.py --mailboxes 20000
    .venv/bin/python bench/export_bench.py --reuse              # export again, no new fill
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Export-2026!"
LOGIN_ADDRESS = "b0@pec.example.it"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mailboxes", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pec_bench_export")
    parser.add_argument("--reuse", action="store_true", help="keep the filled database from a previous run")
    parser.add_argument("--export-only", metavar="SESSION", help=argparse.SUPPRESS)  # the child process
    return parser.parse_args()


def fill(n_mailboxes):
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from renewals_bench import copy_rows

    from addons.models import AddonType
    from mailboxes.models import Plan

    plans = list(Plan.objects.order_by("pk").values_list("pk", flat=True))
    addon_type = AddonType.objects.get(code="inbox_extra")
    first_expiry, now = date(2027, 1, 1), "2026-01-01 10:00:00+01"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(raw, "accounts_user", ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                                          "is_staff", "is_active", "date_joined"],
                  [(1, "!", "f", "holder-BENCHEXPORT00001", "", "", "", "f", "t", now)])
        copy_rows(raw, "accounts_holder", ["id", "user_id", "first_name", "last_name", "fiscal_code", "email", "phone",
                                            "street", "postal_code", "city", "province", "country", "company_name",
                                            "vat_number", "sdi_code", "invoice_pec", "language", "alert_emails", "created_at"],
                  [(1, 1, "Ordine", "Bench", "BENCHEXPORT00001", "ordine@example.it", "", "Via Roma 1", "00184", "Roma",
                    "RM", "IT", "", "", "", "", "it", "[]", now)])
        copy_rows(raw, "billing_wallet", ["id", "holder_id", "balance_cents", "debt_cents", "spending_frozen"], [(1, 1, 0, 0, "f")])
        login_hash = make_password(PASSWORD)

        def mailboxes():
            for i in range(n_mailboxes):
                yield (i + 1, 1, f"b{i}@pec.example.it", login_hash if i == 0 else "", plans[i % len(plans)],
                       "scaduta" if i % 10 == 5 else "certificata", "2025-03-01", "2025-03-01",
                       first_expiry + timedelta(days=i % 365), None, None, "f", "t" if i % 3 else "f",
                       1 if i % 2 == 0 else 0, 0, 0)

        copy_rows(raw, "mailboxes_mailbox", ["id", "holder_id", "address", "password_hash", "plan_id", "status",
                                              "requested_on", "certified_on", "expires_on", "cancelled_on",
                                              "status_changed_on", "end_client", "auto_renew", "inbox_extra_gb",
                                              "archive_extra_gb", "conservation_gb"], mailboxes())
        with_addon = range(0, n_mailboxes, 2)
        copy_rows(raw, "addons_order", ["id", "holder_id", "mailbox_id", "addon_type_id", "quantity", "unit_price_cents",
                                         "years", "net_cents", "vat_cents", "gross_cents", "ends_on", "status",
                                         "created_at", "completed_at"],
                  ((k + 1, 1, i + 1, addon_type.pk, 1, 250, 1, 250, 55, 305, first_expiry, "completed", now, now)
                   for k, i in enumerate(with_addon)))
        copy_rows(raw, "addons_addon", ["mailbox_id", "addon_type_id", "order_id", "quantity", "activated_on",
                                         "expires_on", "status"],
                  ((i + 1, addon_type.pk, k + 1, 1, "2026-01-01", first_expiry + timedelta(days=i % 365), "active")
                   for k, i in enumerate(with_addon)))
        for table in ("accounts_user", "accounts_holder", "billing_wallet", "mailboxes_mailbox", "addons_order"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")


def session_cookie():
    """The holder's session cookie, opened here so that the child's peak memory is not the login's
    (Argon2 takes 19 MiB to check a password)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    assert client.post("/login/", {"username": LOGIN_ADDRESS, "password": PASSWORD}).status_code == 302
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def export_once(session):
    """In the child: download the whole export through the view, report as JSON."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    # A first request that matches nothing loads the URLconf, the views and what they import.
    assert b"".join(client.get("/mailboxes/export.csv?q=no-such-mailbox").streaming_content).count(b"\r\n") == 1
    rss_before = peak_rss_mb()
    started = time.monotonic()
    response = client.get("/mailboxes/export.csv")
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    elapsed = time.monotonic() - started
    print(json.dumps({"status": response.status_code, "rows": lines - 1, "bytes": size, "seconds": elapsed,
                      "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb():
    """This process's peak resident memory (Linux's VmHWM). Not getrusage's ru_maxrss: across
    fork and exec that keeps the parent's peak, here the parent's after the fill."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def production_python():
    """The interpreter of a virtualenv holding requirements.txt alone, made or brought up to date
    with scripts/bootstrap.sh as the development one is."""
    venv = BASE_DIR / ".cache" / "venv-production"
    subprocess.run(["bash", "-c", f"source scripts/bootstrap.sh && bootstrap_venv requirements.txt {venv}"],
                   cwd=BASE_DIR, check=True)
    return str(venv / "bin" / "python")


def main():
    args = parse_args()
    env = {"DATABASE_URL": args.database_url, "EMAIL_URL": "dummymail://", "LOG_LEVEL": "WARNING", "DEBUG": "0",
           "SECRET_KEY": "bench-only-" + "k" * 40, "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
           "DJANGO_SETTINGS_MODULE": "pecportal.settings",
           # Production refuses to start without these; the export never calls Stripe.
           "TRUSTED_PROXY_COUNT": "0", "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
           "STRIPE_WEBHOOK_SECRET": "whsec_bench"}
    os.environ.update(env)
    sys.path[:0] = [str(BASE_DIR), str(BASE_DIR / "bench")]
    if not (args.export_only or args.reuse):
        from renewals_bench import recreate_database

        recreate_database(args.database_url)
    import django

    django.setup()
    if args.export_only:
        return export_once(args.export_only)
    if not args.reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        fill(args.mailboxes)
        print(f"fill: {args.mailboxes:,} mailboxes, half with an add-on, in {time.monotonic() - started:.1f} s")
    load = os.getloadavg()[0]
    child = subprocess.run([production_python(), __file__, "--export-only", session_cookie(),
                            "--database-url", args.database_url],
                           capture_output=True, text=True, check=True)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"export: HTTP {result['status']}, {result['rows']:,} rows, {result['bytes'] / 1e6:.1f} MB in "
          f"{result['seconds']:.2f} s = {result['rows'] / result['seconds']:,.0f} rows/s; child's peak RSS "
          f"{result['peak_rss_mb']:.0f} MB ({result['rss_before_mb']:.0f} MB before the download); "
          f"load average {load:.2f} at start")


if __name__ == "__main__":
    main()
