"""Benchmark of the nightly jobs (SPEC 3.7) on PostgreSQL.

Fills its own database (dropped and re-created) with N mailboxes by COPY, of which --due expire
on the benchmark night, runs the alert scan and one renewal night, and prints mailboxes per
second, peak memory and the plans of the selection queries.

    .venv/bin/python bench/renewals_bench.py                       # 1,000,000 mailboxes, 100,000 due
    .venv/bin/python bench/renewals_bench.py --mailboxes 200000 --due 20000 --workers 2
    .venv/bin/python bench/renewals_bench.py --jobs renewals --snapshot     # keep a copy of the fill
    .venv/bin/python bench/renewals_bench.py --jobs renewals --from-snapshot  # re-run on a fresh copy

Every fifth mailbox's holder is a new one (N/5 holders); half the due mailboxes carry a 1 GB
add-on; credit per holder cycles through nothing, the plan only, plan + add-on, and plenty, so
the night renews, deactivates and expires. Expiry dates of the others spread over the next year.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
NIGHT = date(2026, 3, 30)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mailboxes", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="processes of each job (the commands' --workers; default one per core)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pec_bench_renewals")
    parser.add_argument("--reuse", action="store_true", help="keep the filled database from a previous run")
    parser.add_argument("--snapshot", action="store_true",
                        help="keep a copy of the freshly filled database, <name>_filled, for --from-snapshot")
    parser.add_argument("--from-snapshot", action="store_true",
                        help="start from a fresh copy of <name>_filled instead of filling again")
    parser.add_argument("--jobs", nargs="+", choices=["alerts", "renewals"], default=["alerts", "renewals"],
                        help="which jobs to run (default both)")
    return parser.parse_args()


def recreate_database(url, *, name=None, template=None):
    import psycopg2

    name = name or url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.close()


def copy_rows(cursor, table, columns, rows, chunk=200_000):
    buffer, count = io.StringIO(), 0
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
        count += 1
        if count % chunk == 0:
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            buffer = io.StringIO()
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def fill(n_mailboxes, n_due):
    from django.db import connection

    from addons.models import AddonType
    from mailboxes.models import Plan

    plan = Plan.objects.get(code="standard")
    addon_type = AddonType.objects.get(code="inbox_extra")
    n_holders = (n_mailboxes + 4) // 5
    due_every = max(1, n_mailboxes // n_due)
    credits = [0, 610, 915, 5000]
    # Consecutive due mailboxes belong to holders `spread` apart: their credits cycle through the four.
    spread = max(1, due_every // 5)
    now = "2026-01-01 10:00:00+01"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(raw, "accounts_user", ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                                          "is_staff", "is_active", "date_joined"],
                  ((i, "!", "f", f"holder-B{i:015d}", "", "", "", "f", "t", now) for i in range(1, n_holders + 1)))
        copy_rows(raw, "accounts_holder", ["id", "user_id", "first_name", "last_name", "fiscal_code", "email", "phone",
                                            "street", "postal_code", "city", "province", "country", "company_name",
                                            "vat_number", "sdi_code", "invoice_pec", "language", "alert_emails", "created_at"],
                  ((i, i, "Bench", str(i), f"B{i:015d}", f"t{i}@example.it", "", "", "", "", "", "IT", "", "", "", "",
                    "it", "[]", now) for i in range(1, n_holders + 1)))
        copy_rows(raw, "billing_wallet", ["id", "holder_id", "balance_cents", "debt_cents", "spending_frozen"],
                  ((i, i, credits[(i // spread) % 4], 0, "f") for i in range(1, n_holders + 1)))
        copy_rows(raw, "billing_ledgerentry", ["wallet_id", "kind", "amount_cents", "balance_after_cents", "reference",
                                                "description", "reason", "created_at", "debt_change_cents"],
                  ((i, "adjustment", credits[(i // spread) % 4], credits[(i // spread) % 4], f"bench:{i}", "Credito iniziale", "",
                    now, 0) for i in range(1, n_holders + 1) if credits[(i // spread) % 4]))

        def mailboxes():
            for i in range(n_mailboxes):
                due = i % due_every == 0 and i // due_every < n_due
                expires = NIGHT if due else NIGHT + timedelta(days=1 + i % 365)
                yield (i + 1, i // 5 + 1, f"b{i}@pec.example.it", "", plan.pk, "certificata", "2025-03-01",
                       "2025-03-01", expires, None, None, "f", "t", 1 if due and (i // due_every) % 8 < 4 else 0, 0, 0)

        copy_rows(raw, "mailboxes_mailbox", ["id", "holder_id", "address", "password_hash", "plan_id", "status",
                                              "requested_on", "certified_on", "expires_on", "cancelled_on",
                                              "status_changed_on", "end_client", "auto_renew", "inbox_extra_gb",
                                              "archive_extra_gb", "conservation_gb"], mailboxes())
        with_addon = [i for i in range(0, n_mailboxes, due_every) if i // due_every < n_due and (i // due_every) % 8 < 4]
        copy_rows(raw, "addons_order", ["id", "holder_id", "mailbox_id", "addon_type_id", "quantity", "unit_price_cents",
                                         "years", "net_cents", "vat_cents", "gross_cents", "ends_on", "status",
                                         "created_at", "completed_at"],
                  ((k + 1, i // 5 + 1, i + 1, addon_type.pk, 1, 250, 1, 250, 55, 305, NIGHT, "completed", now, now)
                   for k, i in enumerate(with_addon)))
        copy_rows(raw, "addons_addon", ["mailbox_id", "addon_type_id", "order_id", "quantity", "activated_on",
                                         "expires_on", "status"],
                  ((i + 1, addon_type.pk, k + 1, 1, "2025-04-01", NIGHT, "active") for k, i in enumerate(with_addon)))
        for table in ("accounts_user", "accounts_holder", "billing_wallet", "mailboxes_mailbox", "addons_order"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")


def explain():

    from mailboxes.models import Mailbox
    from renewals.selectors import alert_pending, alert_pending_rows, renewal_due_q

    print("\nEXPLAIN renewal batch claim (renewals.night._batch_renew, without its FOR UPDATE SKIP LOCKED):")
    print(Mailbox.objects.select_related("plan", "holder").filter(renewal_due_q(NIGHT), pk__gt=0).order_by("pk")[:500]
          .explain())
    print("\nEXPLAIN alert scan (renewals.selectors.alert_pending_stream):")
    print(alert_pending(on_date=NIGHT + timedelta(days=1)).order_by("holder_id", "pk").values_list("holder_id", "pk")
          .explain())
    # The other alert query: the re-read of a batch of 200 holders under their lock (once per batch).
    day = NIGHT + timedelta(days=1)
    holder_ids = list(Mailbox.objects.filter(expires_on__range=(day, day + timedelta(days=90))).order_by("holder_id")
                      .values_list("holder_id", flat=True).distinct()[:200])
    print("\nEXPLAIN alert batch re-read (renewals.selectors.alert_pending_rows, 200 holders):")
    print(alert_pending_rows(on_date=day, holder_ids=holder_ids).explain())


def run_command(name, day, workers):
    """``manage.py <name> --date day --workers N`` as cron runs it, in main()'s environment
    (database, dummymail). Returns its summary line, wall time, CPU time (the command's and its
    worker processes'), the largest process's peak RSS in MB and the load average at the start."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen([sys.executable, str(BASE_DIR / "manage.py"), name, "--date", day.isoformat(),
                                    "--workers", str(workers)], stdout=output, text=True)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, largest_rss_mb(process.pid))
            time.sleep(0.1)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        summary = output.read().strip()
    return summary, time.monotonic() - started, usage.ru_utime + usage.ru_stime, peak, load


def largest_rss_mb(pid):
    """The largest resident set of ``pid`` and its children, sampled from ps. (The peak that wait4
    reports is no use here: it keeps the RSS the child had at fork time, that of this process.)"""
    lines = subprocess.run(["ps", "-o", "rss=", "-p", str(pid), "--ppid", str(pid)], capture_output=True,
                           text=True).stdout.split()
    return max((int(rss) for rss in lines), default=0) / 1024


def main():
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    from tests.security.production import PRODUCTION_ENV

    # Production settings, with the placeholders production refuses to start without (none is used here).
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": args.database_url, "EMAIL_URL": "dummymail://",
           "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "pecportal.settings"}
    os.environ.update(env)
    name = args.database_url.rsplit("/", 1)[1]
    if args.from_snapshot:
        recreate_database(args.database_url, template=f"{name}_filled")
    elif not args.reuse:
        recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    from mailboxes.models import Mailbox

    if not (args.reuse or args.from_snapshot):
        call_command("migrate", verbosity=0)
        started = time.monotonic()
        fill(args.mailboxes, args.due)
        print(f"fill: {args.mailboxes:,} mailboxes, {args.due:,} due, in {time.monotonic() - started:.1f} s")
        if args.snapshot:
            from django.db import connection

            connection.close()
            recreate_database(args.database_url, name=f"{name}_filled", template=name)
    explain()
    if "alerts" in args.jobs:
        run_alerts(args.workers)
    if "renewals" in args.jobs:
        due = Mailbox.objects.filter(expires_on=NIGHT).count()
        output, elapsed, cpu, peak, load = run_command("run_renewals", NIGHT, args.workers)
        print(f"\nrenewal night, {args.workers} process(es): {output}\n  {due:,} due mailboxes in {elapsed:.1f} s "
              f"({due / elapsed:,.0f} mailboxes/s), CPU {cpu:.1f} s, peak RSS {peak:.0f} MB, "
              f"load average {load:.2f} at start")


def run_alerts(workers):
    """The alert scan, whose processes share the holders batch by batch."""
    day = NIGHT + timedelta(days=1)
    output, elapsed, cpu, peak, load = run_command("send_expiry_alerts", day, workers)
    mailboxes = int(output.split(": ", 1)[1].split(" caselle")[0])
    print(f"\nalert scan, {workers} process(es): {output}\n  {elapsed:.1f} s ({mailboxes / elapsed:,.0f} mailboxes/s), "
          f"CPU {cpu:.1f} s, peak RSS {peak:.0f} MB, load average {load:.2f} at start")
    output, elapsed, cpu, _peak, load = run_command("send_expiry_alerts", day, workers)
    print(f"alert scan again, nothing new: {output}\n  {elapsed:.1f} s, CPU {cpu:.1f} s, load average {load:.2f}")


if __name__ == "__main__":
    main()
