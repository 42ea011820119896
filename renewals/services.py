"""The nightly jobs and "Rinnova ora" (SPEC 3.7). Every cent moves through billing's ledger
functions, under the wallet's row lock.

Lock order is wallet, then mailbox, as in addons.services, so a renewal, an order and a landing
top-up of the same holder queue behind each other; the night's batches take the two the other
way round but never wait for either (SKIP LOCKED), so they cannot deadlock either."""

import logging
from dataclasses import dataclass, fields
from functools import partial
from itertools import groupby

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Holder, Operation
from accounts.services import operation_log
from addons.services import addon_deactivate_apply, addon_write_many
from billing.models import LedgerEntry, Wallet
from billing.services import ledger_write_many, wallet_debit_apply, wallet_lock
from core.money import format_euro
from invoices.services import invoice_issue_many
from mailboxes.models import Mailbox
from mailboxes.provisioning import provisioner
from mailboxes.services import mailbox_status_apply, mailbox_write_many

from .emails import addons_deactivated_message, expiry_alert_message
from .models import ExpiryAlert, RenewalCharge
from .parallel import run_in_processes
from .pricing import addon_line, next_expiry, plan_line, renewal_quote
from .selectors import (
    addons_active,
    addons_active_by_mailbox,
    alert_holder_ranges,
    alert_mailboxes_for_resend,
    alert_pending,
    alert_pending_for_holders,
    alert_pending_stream,
    grace_period,
    holders_with_due_mailboxes_before,
    renewal_due_count,
    renewal_due_q,
    renewal_window_open,
    wallet_balances,
)

logger = logging.getLogger(__name__)

DEACTIVATION_NO_CREDIT = "Disattivazione per credito insufficiente"
DEACTIVATION_EXPIRED = "Disattivazione per scadenza della casella"


class RenewalRefused(Exception):
    """A manual renewal or switch the holder may not make; the message is shown as it is."""


class _Counts:
    """A run's summary: counters that the summaries of its batches and processes add up to."""

    def add(self, other):
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass
class RenewalSummary(_Counts):
    mailboxes: int = 0
    renewed: int = 0
    addons_renewed: int = 0
    deactivated: int = 0
    expired: int = 0
    terminated: int = 0
    emails_sent: int = 0
    debited_cents: int = 0
    failed: int = 0


@dataclass
class AlertSummary(_Counts):
    mailboxes: int = 0
    emails_sent: int = 0
    failed: int = 0


# Renewals -------------------------------------------------------------------------------------

class RenewalWrites:
    """What renewing a set of mailboxes writes, held in memory and saved by ``flush`` with one
    statement per table: a batch of 500 mailboxes costs a few dozen queries instead of tens of
    thousands. "Rinnova ora" and the night's one-by-one pass flush a single mailbox the same way,
    so every path renews with the same code."""

    def __init__(self, *, on_date):
        self.on_date = on_date
        self.wallets = {}
        self.entries = []
        self.charges = []
        self.operations = []
        self.invoices = []
        self.provisioning = []
        self.mails = []
        self.mailboxes = {}
        self.addons = {}

    def debit(self, *, wallet, gross_cents, reference, description):
        self.wallets[wallet.pk] = wallet
        entry = wallet_debit_apply(wallet=wallet, amount_cents=-gross_cents, kind=LedgerEntry.Kind.RENEWAL,
                                   reference=reference, description=description)
        self.entries.append(entry)
        return entry

    def status(self, *, mailbox, status, description):
        operation = mailbox_status_apply(mailbox=mailbox, status=status, on_date=self.on_date, description=description)
        if operation is not None:
            self.mailboxes[mailbox.pk] = mailbox
            self.operations.append(operation)

    def addon_off(self, *, addon, description):
        operation, payload = addon_deactivate_apply(addon=addon, on_date=self.on_date, description=description)
        self.addons[addon.pk] = addon
        self.mailboxes[addon.mailbox.pk] = addon.mailbox
        self.provisioning.append((addon.mailbox, "quota", payload))
        self.operations.append(operation)

    def flush(self):
        ledger_write_many(wallets=list(self.wallets.values()), entries=self.entries)
        RenewalCharge.objects.bulk_create(self.charges)
        Operation.objects.bulk_create(self.operations)
        mailbox_write_many(mailboxes=list(self.mailboxes.values()))
        addon_write_many(addons=list(self.addons.values()))
        if self.provisioning:
            provisioner().request_many(self.provisioning)
        # Last: the yearly counter stays locked from here to the commit only.
        invoice_issue_many(items=self.invoices, issued_on=self.on_date)
        for mail in self.mails:
            transaction.on_commit(mail)


def renewals_run(*, on_date, workers=1, dry_run=False, batch_size=500, progress=None):
    """The renewal night of ``on_date``, by ``workers`` processes at once: they share the due
    mailboxes through SKIP LOCKED, batch by batch. A dry run does all the work inside one
    transaction and rolls it back, so what it reports is exactly what a real run would do, e-mails
    included (they leave only on commit); it runs in one process, like any run inside a
    transaction (a test, a caller's atomic block) or on a database without SKIP LOCKED (SQLite)."""
    total = renewal_due_count(on_date=on_date) if progress else 0
    single = (workers <= 1 or dry_run or transaction.get_connection().in_atomic_block
              or not connection.features.has_select_for_update_skip_locked)
    if not single:
        return run_in_processes(_renewals_part, [{"on_date": on_date, "batch_size": batch_size}] * workers,
                                summary=RenewalSummary(), progress=progress, total=total)
    report = (lambda done: progress(done, max(total, done))) if progress else None
    if not dry_run:
        return _renewals_part(on_date=on_date, batch_size=batch_size, report=report)
    with transaction.atomic():
        summary = _renewals_part(on_date=on_date, batch_size=batch_size, report=report)
        transaction.set_rollback(True)
    return summary


def _renewals_part(*, on_date, batch_size, report):
    """Batches of due mailboxes, each claimed with SKIP LOCKED and renewed in one transaction, so
    processes started together take different batches. A holder's mailboxes are renewed in id order
    (the oldest first gets the credit): a holder whose earlier due mailboxes are not in the batch,
    or whose wallet another transaction holds, is left for a second pass that takes each such holder
    whole, waiting for the locks. So is every holder of a batch that failed."""
    summary = RenewalSummary()
    after_id, done, later = 0, 0, set()
    while True:
        try:
            claimed, deferred, outcome = _renewal_batch(on_date=on_date, after_id=after_id, limit=batch_size)
        except _BatchFailed as failure:
            claimed, outcome = failure.claimed, RenewalSummary()
            deferred = {holder_id for _mailbox_id, holder_id in claimed}
            logger.warning("Renewal batch after mailbox %s failed; its holders go one by one", after_id,
                           exc_info=failure.__cause__)
        if not claimed:
            break
        summary.add(outcome)
        later |= deferred
        after_id = claimed[-1][0]
        done += sum(1 for _mailbox_id, holder_id in claimed if holder_id not in deferred)
        if report:
            report(done)
    for holder_id in sorted(later):
        done += holder_renewal_process(holder_id=holder_id, on_date=on_date, batch_size=batch_size, summary=summary)
        if report:
            report(done)
    return summary


class _BatchFailed(Exception):
    def __init__(self, claimed):
        super().__init__(f"{len(claimed)} mailboxes")
        self.claimed = claimed


def _renewal_batch(*, on_date, after_id, limit):
    """Claim and renew the next due mailboxes. Returns the (id, holder_id) claimed, the holders
    left for the second pass, and what was done. Mailboxes are locked before wallets here, the
    reverse of every other path, but both with SKIP LOCKED: the batch never waits, so it cannot
    deadlock."""
    claimed = []
    try:
        with transaction.atomic():
            mailboxes = list(
                Mailbox.objects.select_for_update(of=("self",), skip_locked=True).select_related("plan", "holder")
                .filter(renewal_due_q(on_date), pk__gt=after_id).order_by("pk")[:limit]
            )
            claimed = [(mailbox.pk, mailbox.holder_id) for mailbox in mailboxes]
            if not mailboxes:
                return claimed, set(), RenewalSummary()
            holder_ids = {mailbox.holder_id for mailbox in mailboxes}
            deferred = holders_with_due_mailboxes_before(
                on_date=on_date, holder_ids=holder_ids, before_id=mailboxes[-1].pk,
                except_ids=[mailbox.pk for mailbox in mailboxes],
            )
            wallets = {
                wallet.holder_id: wallet for wallet in
                Wallet.objects.select_for_update(skip_locked=True).filter(holder_id__in=holder_ids - deferred)
                .order_by("holder_id")
            }
            deferred = holder_ids - set(wallets)
            ready = [mailbox for mailbox in mailboxes if mailbox.holder_id in wallets]
            outcome = _renew_locked(mailboxes=ready, wallets=wallets, on_date=on_date)
    except Exception as error:
        if not claimed:
            raise
        raise _BatchFailed(claimed) from error
    return claimed, deferred, outcome


def _renew_locked(*, mailboxes, wallets, on_date):
    """SPEC 3.7 for locked due mailboxes, in their order, with their holders' locked wallets."""
    addons = addons_active_by_mailbox(mailbox_ids=[mailbox.pk for mailbox in mailboxes])
    writes, outcome = RenewalWrites(on_date=on_date), RenewalSummary()
    for mailbox in mailboxes:
        _mailbox_night(mailbox=mailbox, addons=[_attach(a, mailbox) for a in addons.get(mailbox.pk, [])],
                       wallet=wallets[mailbox.holder_id], writes=writes, outcome=outcome)
    writes.flush()
    return outcome


def holder_renewal_process(*, holder_id, on_date, batch_size, summary):
    """All of one holder's due mailboxes, in id order, in transactions of ``batch_size`` that wait
    for the holder's wallet and mailboxes (wallet first, as everywhere else). A transaction that
    fails is redone one mailbox at a time, so a broken mailbox fails alone. Returns how many
    mailboxes it went through."""
    after_id, seen = 0, 0
    while True:
        try:
            with transaction.atomic():
                wallet = wallet_lock(holder_id=holder_id)
                mailboxes = list(
                    Mailbox.objects.select_for_update(of=("self",)).select_related("plan", "holder")
                    .filter(renewal_due_q(on_date), holder_id=holder_id, pk__gt=after_id).order_by("pk")[:batch_size]
                )
                outcome = _renew_locked(mailboxes=mailboxes, wallets={holder_id: wallet}, on_date=on_date)
            mailbox_ids = [mailbox.pk for mailbox in mailboxes]
        except Exception:
            logger.warning("Renewals of holder %s after mailbox %s failed together; now one by one",
                           holder_id, after_id, exc_info=True)
            mailbox_ids = list(Mailbox.objects.filter(renewal_due_q(on_date), holder_id=holder_id, pk__gt=after_id)
                               .order_by("pk").values_list("pk", flat=True)[:batch_size])
            outcome = RenewalSummary()
            for mailbox_id in mailbox_ids:
                _renewal_attempt(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date, summary=outcome)
        if not mailbox_ids:
            return seen
        summary.add(outcome)
        seen += len(mailbox_ids)
        after_id = mailbox_ids[-1]


def _renewal_attempt(*, mailbox_id, holder_id, on_date, summary):
    try:
        outcome = mailbox_renewal_process(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date)
    except Exception:
        # One broken mailbox must not stop the night; its transaction rolled back alone and the
        # next run retries it.
        logger.exception("Renewal of mailbox %s failed", mailbox_id)
        summary.failed += 1
        return
    if outcome is not None:
        summary.add(outcome)


def mailbox_renewal_process(*, mailbox_id, holder_id, on_date):
    """One due mailbox with its add-ons, in one transaction that waits for the holder's wallet.
    Returns None when another worker holds the mailbox or has already done tonight's work (the
    due condition is re-checked under the lock)."""
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder_id)
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",), skip_locked=True).select_related("plan", "holder")
            .filter(renewal_due_q(on_date), pk=mailbox_id, holder_id=holder_id).first()
        )
        if mailbox is None:
            return None
        writes, outcome = RenewalWrites(on_date=on_date), RenewalSummary()
        addons = [_attach(addon, mailbox) for addon in addons_active(mailbox_id=mailbox.pk)]
        _mailbox_night(mailbox=mailbox, addons=addons, wallet=wallet, writes=writes, outcome=outcome)
        writes.flush()
        return outcome


def _mailbox_night(*, mailbox, addons, wallet, writes, outcome):
    """SPEC 3.7 for one due mailbox, into ``writes``; ``wallet`` is locked and its balance moves
    in memory, so the holder's next mailbox in the batch sees what this one spent."""
    on_date = writes.on_date
    outcome.mailboxes += 1
    if mailbox.status == Mailbox.Status.EXPIRED and on_date - mailbox.expires_on > grace_period():
        _mailbox_terminate(mailbox=mailbox, addons=addons, writes=writes, outcome=outcome)
        return
    # A mailbox left certified long past its expiry (an import, a stopped scheduler) renews
    # period by period until it is current, so a second run of the same night finds nothing.
    while mailbox.expires_on <= on_date:
        plan = plan_line(mailbox.plan)
        if not mailbox.auto_renew or wallet.balance_cents < plan.gross_cents:
            if mailbox.status == Mailbox.Status.CERTIFIED:
                _mailbox_expire(mailbox=mailbox, addons=addons, wallet=wallet, writes=writes, outcome=outcome)
            return
        addons = _period_renew(mailbox=mailbox, addons=addons, wallet=wallet, manual=False, writes=writes,
                               outcome=outcome)


def _attach(addon, mailbox):
    # The locked instance, so add-on deactivation updates the quota of the row we hold.
    addon.mailbox = mailbox
    return addon


def _period_renew(*, mailbox, addons, wallet, manual, writes, outcome):
    """Charge one year of the mailbox, then each add-on while the credit lasts (SPEC 3.7 step 2).
    Returns the add-ons still active."""
    start = mailbox.expires_on
    end = next_expiry(start)
    plan = plan_line(mailbox.plan)
    _charge(mailbox=mailbox, addon=None, line=plan, start=start, end=end, manual=manual, wallet=wallet,
            writes=writes, description=f"Rinnovo casella {mailbox.plan.name} dal {start:%d/%m/%Y} al {end:%d/%m/%Y}")
    outcome.renewed += 1
    outcome.debited_cents += plan.gross_cents
    mailbox.expires_on = end
    writes.mailboxes[mailbox.pk] = mailbox
    if mailbox.status != Mailbox.Status.CERTIFIED:
        writes.status(mailbox=mailbox, status=Mailbox.Status.CERTIFIED, description="Casella di nuovo attiva dopo il rinnovo")
    writes.provisioning.append((mailbox, "renew", {"expires_on": end.isoformat()}))
    kept, dropped = [], []
    for addon in addons:
        line = addon_line(addon)
        if wallet.balance_cents < line.gross_cents:
            writes.addon_off(addon=addon, description=DEACTIVATION_NO_CREDIT)
            dropped.append(line)
            continue
        _charge(mailbox=mailbox, addon=addon, line=line, start=start, end=end, manual=manual, wallet=wallet,
                writes=writes, description=f"Rinnovo {line.label} ({mailbox.address}) fino al {end:%d/%m/%Y}")
        addon.expires_on = end
        writes.addons[addon.pk] = addon
        kept.append(addon)
        outcome.addons_renewed += 1
        outcome.debited_cents += line.gross_cents
    if dropped:
        outcome.deactivated += len(dropped)
        outcome.emails_sent += 1
        writes.mails.append(partial(_send_deactivation_mail, mailbox=mailbox, lines=dropped,
                                    balance=wallet.balance_cents))
    return kept


def _charge(*, mailbox, addon, line, start, end, manual, wallet, writes, description):
    kind = "addon" if addon else "mailbox"
    reference = f"renewal:{kind}:{(addon or mailbox).pk}:{start.isoformat()}"
    entry = None
    if line.gross_cents:
        entry = writes.debit(wallet=wallet, gross_cents=line.gross_cents, reference=reference,
                             description=description)
        # One invoice per debit, like an order: its IVA on the line's net is then exactly the
        # IVA charged, which one invoice over several lines would round differently.
        quantity = addon.quantity if addon else 1
        writes.invoices.append((mailbox.holder, reference, [{
            "description": description, "mailbox_address": mailbox.address, "period_start": start,
            "period_end": end, "quantity": quantity, "unit_price_cents": line.net_cents // quantity,
            "net_cents": line.net_cents,
        }]))
    # Unique per (mailbox or add-on, period start): a period already charged fails the insert and
    # rolls the whole transaction back, whoever tried to charge it twice.
    writes.charges.append(RenewalCharge(
        holder_id=mailbox.holder_id, mailbox=mailbox, addon=addon, period_start=start, period_end=end,
        net_cents=line.net_cents, vat_cents=line.vat_cents, gross_cents=line.gross_cents,
        ledger_entry=entry, manual=manual,
    ))
    writes.operations.append(Operation(
        holder_id=mailbox.holder_id, kind=Operation.Kind.RENEWAL, mailbox_address=mailbox.address,
        description=description, amount_cents=-line.gross_cents, reference=reference,
    ))


def _mailbox_expire(*, mailbox, addons, wallet, writes, outcome):
    if mailbox.auto_renew:
        why = f"credito insufficiente per il rinnovo (credito {format_euro(wallet.balance_cents)})"
    else:
        why = "rinnovo automatico non attivo"
    writes.status(mailbox=mailbox, status=Mailbox.Status.EXPIRED,
                  description=f"Casella scaduta il {mailbox.expires_on:%d/%m/%Y}: {why}")
    for addon in addons:
        writes.addon_off(addon=addon, description=DEACTIVATION_EXPIRED)
    writes.provisioning.append((mailbox, "status", {"status": Mailbox.Status.EXPIRED}))
    outcome.expired += 1
    outcome.deactivated += len(addons)


def _mailbox_terminate(*, mailbox, addons, writes, outcome):
    for addon in addons:
        writes.addon_off(addon=addon, description=DEACTIVATION_EXPIRED)
        outcome.deactivated += 1
    writes.status(mailbox=mailbox, status=Mailbox.Status.TERMINATED,
                  description=f"Casella cessata: periodo di tolleranza di {grace_period().days} giorni terminato")
    writes.provisioning.append((mailbox, "status", {"status": Mailbox.Status.TERMINATED}))
    outcome.terminated += 1


def _send_deactivation_mail(*, mailbox, lines, balance):
    try:
        addons_deactivated_message(holder=mailbox.holder, mailbox=mailbox, lines=lines, balance_cents=balance).send()
    except Exception:
        # The deactivation is committed and logged in Esito Operazioni; a mail server down
        # must not make the night fail.
        logger.exception("Deactivation e-mail for mailbox %s not sent", mailbox.pk)


def mailbox_renew_now(*, holder, mailbox_id, today):
    """"Rinnova ora" (SPEC 3.7): one year of the mailbox and all its active add-ons, paid from
    credit, allowed from 90 days before expiry and during the grace period."""
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder.pk)
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",)).select_related("plan", "holder")
            .filter(pk=mailbox_id, holder=holder).first()
        )
        if mailbox is None:
            raise RenewalRefused(_("Casella non trovata."))
        if not renewal_window_open(mailbox=mailbox, today=today):
            raise RenewalRefused(_(
                "Questa casella non può essere rinnovata ora: il rinnovo è possibile da 90 giorni prima "
                "della scadenza e, per una casella scaduta, durante il periodo di tolleranza."
            ))
        addons = [_attach(addon, mailbox) for addon in addons_active(mailbox_id=mailbox.pk)]
        total = renewal_quote(mailbox=mailbox, addons=addons).total_gross_cents
        if wallet.balance_cents < total:
            raise RenewalRefused(
                _("Credito insufficiente: il rinnovo costa %(total)s, il credito residuo è %(balance)s. "
                  "Ricarica almeno %(missing)s e riprova.")
                % {"total": format_euro(total), "balance": format_euro(wallet.balance_cents),
                   "missing": format_euro(total - wallet.balance_cents)}
            )
        writes, outcome = RenewalWrites(on_date=today), RenewalSummary(mailboxes=1)
        _period_renew(mailbox=mailbox, addons=addons, wallet=wallet, manual=True, writes=writes, outcome=outcome)
        writes.flush()
        return mailbox, outcome


def mailbox_auto_renew_set(*, holder, mailbox_id, enabled):
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(pk=mailbox_id, holder=holder).first()
        if mailbox is None:
            raise RenewalRefused(_("Casella non trovata."))
        if mailbox.status not in (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED):
            raise RenewalRefused(_("Il rinnovo automatico di una casella in questo stato non può essere modificato."))
        if mailbox.auto_renew == enabled:
            return mailbox
        mailbox.auto_renew = enabled
        mailbox.save(update_fields=["auto_renew"])
        operation_log(
            holder_id=holder.pk, kind=Operation.Kind.RENEWAL, mailbox_address=mailbox.address,
            description="Rinnovo automatico attivato" if enabled else "Rinnovo automatico disattivato",
        )
        return mailbox


# Expiry alerts --------------------------------------------------------------------------------

# Holders locked, mailed and recorded per transaction.
ALERT_BATCH_SIZE = 200


def expiry_alerts_run(*, on_date, workers, dry_run=False, progress=None):
    """The alerts of ``on_date`` sent by ``workers`` processes at once, each given its own range of
    holders (alert_holder_ranges): rendering the e-mails is most of a run's time, and one process
    uses one core. Inside a transaction (a test, a caller's atomic block) it runs here, in one
    process, because the others could not see what the transaction has not committed."""
    ranges = alert_holder_ranges(on_date=on_date, parts=workers)
    if len(ranges) == 1 or transaction.get_connection().in_atomic_block:
        return expiry_alerts_send(on_date=on_date, dry_run=dry_run, progress=progress)
    total = alert_pending(on_date=on_date).count() if progress else 0
    parts = [{"on_date": on_date, "dry_run": dry_run, "holders": holders, "batch_size": ALERT_BATCH_SIZE}
             for holders in ranges]
    return run_in_processes(_alert_scan, parts, summary=AlertSummary(), progress=progress, total=total)


def expiry_alerts_send(*, on_date, dry_run=False, batch_size=ALERT_BATCH_SIZE, progress=None, holders=(None, None)):
    """One e-mail per holder listing every mailbox at a new stage (SPEC 3.7), for the holders in
    ``holders`` (an alert_holder_ranges range; all by default). Holders are handled in batches, each
    locked while its alerts are re-checked, mailed and recorded, so two runs at once mail each stage
    once: the second finds the first's alerts once it gets the locks."""
    total = alert_pending(on_date=on_date).count() if progress else 0
    report = (lambda seen: progress(seen, max(total, seen))) if progress else None
    return _alert_scan(on_date=on_date, dry_run=dry_run, holders=holders, batch_size=batch_size, report=report)


def _alert_scan(*, on_date, dry_run, holders, batch_size, report):
    summary = AlertSummary()
    batch, seen = [], 0
    for holder_id, _mailbox_id in alert_pending_stream(on_date=on_date, holders=holders):
        seen += 1
        if not batch or batch[-1] != holder_id:
            if len(batch) >= batch_size:
                _alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run, summary=summary)
                batch = []
                if report:
                    report(seen - 1)
            batch.append(holder_id)
    if batch:
        _alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run, summary=summary)
    if report:
        report(seen)
    return summary


def _alert_batch(*, holder_ids, on_date, dry_run, summary):
    if dry_run:
        for _holder_id, group in groupby(alert_pending_for_holders(on_date=on_date, holder_ids=holder_ids),
                                         key=lambda mailbox: mailbox.holder_id):
            summary.mailboxes += len(list(group))
            summary.emails_sent += 1
        return
    with transaction.atomic():
        # Locked in id order, the same order any other run locks them in: no deadlock between runs.
        holders = {holder.pk: holder for holder in
                   Holder.objects.select_for_update().filter(pk__in=holder_ids).order_by("pk")}
        mailboxes = list(alert_pending_for_holders(on_date=on_date, holder_ids=holder_ids))
        balances = wallet_balances(holder_ids=holder_ids)
        sent = []
        with get_connection() as connection:
            for holder_id, group in groupby(mailboxes, key=lambda mailbox: mailbox.holder_id):
                group = list(group)
                message = expiry_alert_message(holder=holders[holder_id], mailboxes=group,
                                               balance_cents=balances[holder_id], on_date=on_date)
                message.connection = connection
                try:
                    message.send()
                except Exception:
                    # Not recorded, so the next run tries this holder again.
                    logger.exception("Expiry alert for holder %s not sent", holder_id)
                    summary.failed += 1
                    continue
                sent_at = timezone.now()
                sent += [(holder_id, mailbox.pk, mailbox.expires_on, mailbox.stage, sent_at) for mailbox in group]
                summary.emails_sent += 1
                summary.mailboxes += len(group)
        _alerts_record(sent)


def _alerts_record(rows):
    """Record (holder_id, mailbox_id, expires_on, stage, sent_at) rows as ExpiryAlerts. On
    PostgreSQL one INSERT of five arrays: bulk_create builds a model instance and five parameters
    per row, 4 s of CPU in the first scan of 1,000,000 mailboxes (223,000 alerts)."""
    if not rows:
        return
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        ExpiryAlert.objects.bulk_create(
            ExpiryAlert(holder_id=holder_id, mailbox_id=mailbox_id, expires_on=expires_on, stage=stage, sent_at=sent_at)
            for holder_id, mailbox_id, expires_on, stage, sent_at in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO renewals_expiryalert (holder_id, mailbox_id, expires_on, stage, sent_at) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::smallint[], %s::timestamptz[])",
            [list(column) for column in zip(*rows, strict=True)],
        )


def expiry_alerts_resend(*, alert_ids, today):
    """Staff's "resend" (admin): the selected alerts mailed again, one e-mail per holder, as the
    mailboxes stand now. Returns the number of e-mails sent."""
    alerts = list(alert_mailboxes_for_resend(alert_ids=alert_ids))
    balances = wallet_balances(holder_ids=list({alert.holder_id for alert in alerts}))
    sent_ids = []
    with get_connection() as connection:
        for holder_id, group in groupby(alerts, key=lambda alert: alert.holder_id):
            group = list(group)
            mailboxes = []
            for alert in group:
                alert.mailbox.stage = alert.stage
                mailboxes.append(alert.mailbox)
            message = expiry_alert_message(holder=group[0].holder, mailboxes=mailboxes,
                                           balance_cents=balances[holder_id], on_date=today)
            message.connection = connection
            message.send()
            sent_ids += [alert.pk for alert in group]
    ExpiryAlert.objects.filter(pk__in=sent_ids).update(resent_at=timezone.now())
    return len({alert.holder_id for alert in alerts if alert.pk in sent_ids})
