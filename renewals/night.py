"""The renewal night (SPEC 3.7): every due mailbox renewed from credit, or expired, or terminated.

``renewals_run`` is the job: it runs ``renewals_part`` in as many processes as asked (renewals.workers),
or Celery runs one part per task (renewals.tasks). The parts are identical and share the due
mailboxes by claiming batches with SELECT … FOR UPDATE SKIP LOCKED, so any number of them, started
together or not, renew each mailbox once; the unique RenewalCharge period is the guard behind that.

Locks: every other path takes a holder's wallet, then the mailbox (as addons.services does), so a
renewal, an order and a landing top-up of the same holder queue behind each other. A batch takes
the two the other way round but never waits for either (SKIP LOCKED), so it cannot deadlock; what it
skips goes to a second pass that takes the locks in the usual order and waits.

A mailbox whose transaction fails even alone is remembered and reported (renewals.failures), and
past its grace period lapses without the renewal (_mailbox_lapse)."""

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction

from addons.services import addon_deactivate, orders_cancel_stale
from billing.models import Wallet
from billing.services import wallet_lock, wallet_spending_refusal
from core.money import format_euro
from mailboxes.models import Mailbox
from mailboxes.provisioning import provisioner
from mailboxes.services import mailbox_set_status

from .cancellation import addons_cancelled_end
from .failures import failure_reason, renewal_failure_record, renewal_failures_alert, renewal_failures_clear
from .period import RenewalWrites, addons_of_locked, period_renew
from .pricing import plan_line
from .selectors import (
    addons_active,
    addons_active_by_mailbox,
    grace_period,
    holders_with_certified_due,
    holders_with_due_mailboxes_before,
    renewal_due_count,
    renewal_due_q,
)
from .summaries import RenewalSummary
from .workers import processes_for, run_parts

logger = logging.getLogger(__name__)

DEACTIVATION_EXPIRED = "Disattivazione per scadenza della casella"
BATCH_SIZE = 500


def renewals_run(*, on_date, workers=1, dry_run=False, batch_size=BATCH_SIZE, progress=None):
    """The renewal night of ``on_date`` by ``workers`` processes; returns its RenewalSummary.
    Pending orders past 72 hours are cancelled first: without Redis nothing else would; so are
    cancelled add-ons come to expiry switched off (renewals.cancellation). Staff get
    one alert listing the mailboxes that keep failing (renewals.failures).

    A dry run does all the work inside one transaction and rolls it back, so what it reports is
    exactly what a real run would do, e-mails included (they leave only on commit); it runs in one
    process (workers.processes_for says when else) and alerts nobody."""
    night = partial(_night_run, on_date=on_date, workers=workers, dry_run=dry_run, batch_size=batch_size,
                    progress=progress)
    if not dry_run:
        summary = night()
        renewal_failures_alert(on_date=on_date)
        return summary
    with transaction.atomic():
        summary = night()
        transaction.set_rollback(True)
    return summary


def _night_run(*, on_date, workers, dry_run, batch_size, progress):
    summary = RenewalSummary(orders_cancelled=len(orders_cancel_stale()), deactivated=addons_cancelled_end(on_date=on_date))
    total = renewal_due_count(on_date=on_date)
    processes = processes_for(workers=workers, items=total, batch_size=batch_size, dry_run=dry_run)
    parts = [{"on_date": on_date, "batch_size": batch_size}] * processes
    return run_parts(renewals_part, parts, summary=summary, progress=progress, total=total)


def renewals_part(*, on_date, batch_size=BATCH_SIZE, report=None):
    """One worker's share of the night: batches of due mailboxes, each claimed with SKIP LOCKED and
    renewed in one transaction, until none is left. A holder's mailboxes are renewed in id order
    (the oldest first gets the credit): a holder whose earlier due mailboxes are not in the batch, or
    whose wallet another transaction holds, is left for a second pass that takes each such holder
    whole, waiting for the locks. So is every holder of a batch that failed, and every holder with a
    certified mailbox still due after the batches: SKIP LOCKED passed over it while a transaction of
    theirs held it (an order over many mailboxes locks them all), and no batch comes back for it.
    ``report(done)`` is told how many mailboxes the part has gone through."""
    summary, after_id, later = RenewalSummary(), 0, set()
    while (batch := _batch_renew(on_date=on_date, after_id=after_id, limit=batch_size)) is not None:
        summary.add(batch.summary)
        later |= batch.deferred
        after_id = batch.last_id
        if report:
            report(summary.done)
    later |= holders_with_certified_due(on_date=on_date)
    for holder_id in sorted(later):
        summary.add(_holder_renew(holder_id=holder_id, on_date=on_date, batch_size=batch_size))
        if report:
            report(summary.done)
    return summary


@dataclass
class _Batch:
    last_id: int
    deferred: set
    summary: RenewalSummary


def _batch_renew(*, on_date, after_id, limit):
    """Claim and renew the due mailboxes after ``after_id`` that no other transaction holds; None
    when there are none. The holders left for the second pass come back in ``deferred``."""
    claimed = []
    try:
        with transaction.atomic():
            mailboxes = list(
                Mailbox.objects.select_for_update(of=("self",), skip_locked=True).select_related("plan", "holder")
                .filter(renewal_due_q(on_date), pk__gt=after_id).order_by("pk")[:limit]
            )
            claimed = [(mailbox.pk, mailbox.holder_id) for mailbox in mailboxes]
            if not mailboxes:
                return None
            holder_ids = {mailbox.holder_id for mailbox in mailboxes}
            waiting_for_earlier = holders_with_due_mailboxes_before(
                on_date=on_date, holder_ids=holder_ids, before_id=mailboxes[-1].pk,
                except_ids=[mailbox.pk for mailbox in mailboxes],
            )
            wallets = {
                wallet.holder_id: wallet for wallet in
                Wallet.objects.select_for_update(skip_locked=True).filter(holder_id__in=holder_ids - waiting_for_earlier)
                .order_by("holder_id")
            }
            ready = [mailbox for mailbox in mailboxes if mailbox.holder_id in wallets]
            summary = _renew_locked(mailboxes=ready, wallets=wallets, on_date=on_date)
    except Exception:
        if not claimed:
            raise
        logger.warning("Renewal batch after mailbox %s failed; its holders go one by one", after_id, exc_info=True)
        return _Batch(last_id=claimed[-1][0], deferred={holder_id for _pk, holder_id in claimed},
                      summary=RenewalSummary())
    return _Batch(last_id=claimed[-1][0], deferred=holder_ids - set(wallets), summary=summary)


def _holder_renew(*, holder_id, on_date, batch_size):
    """All of one holder's due mailboxes, in id order, in transactions of ``batch_size`` that wait
    for the holder's wallet and mailboxes (wallet first, as everywhere else). A transaction that
    fails is redone one mailbox at a time, so a broken mailbox fails alone."""
    summary, after_id = RenewalSummary(), 0
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
                outcome.add(_mailbox_renew(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date))
        if not mailbox_ids:
            return summary
        summary.add(outcome)
        after_id = mailbox_ids[-1]


def _mailbox_renew(*, mailbox_id, holder_id, on_date):
    """One due mailbox with its add-ons, in one transaction that waits for the holder's wallet.
    Nothing is done when another worker holds the mailbox or has already done tonight's work (the
    due condition is re-checked under the lock)."""
    try:
        with transaction.atomic():
            wallet = wallet_lock(holder_id=holder_id)
            mailboxes = list(
                Mailbox.objects.select_for_update(of=("self",), skip_locked=True).select_related("plan", "holder")
                .filter(renewal_due_q(on_date), pk=mailbox_id, holder_id=holder_id)
            )
            return _renew_locked(mailboxes=mailboxes, wallets={holder_id: wallet}, on_date=on_date)
    except Exception as error:
        # One broken mailbox must not stop the night; its transaction rolled back alone and the
        # next run retries it.
        logger.exception("Renewal of mailbox %s failed", mailbox_id)
        return _mailbox_failed(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date, error=error)


def _mailbox_failed(*, mailbox_id, holder_id, on_date, error):
    """A due mailbox the night could not get through: remembered (renewals.failures) and, once
    past its grace period, let lapse without the renewal that keeps failing."""
    summary, reason = RenewalSummary(failed=1), failure_reason(error)
    try:
        if _mailbox_lapse(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date, summary=summary):
            reason += "; scaduta senza rinnovo: periodo di tolleranza terminato"
    except Exception:
        logger.exception("Mailbox %s could not lapse either", mailbox_id)
    failure = renewal_failure_record(mailbox_id=mailbox_id, on_date=on_date, reason=reason)
    summary.failures.append((failure.mailbox.address, reason, failure.nights))
    return summary


def _mailbox_lapse(*, mailbox_id, holder_id, on_date, summary):
    """A certified mailbox whose renewal still fails after its grace period (D − E > grace) takes
    the path of one the credit does not cover (SPEC 3.7 step 1): scaduta, its add-ons off, and
    cessata the next night, so it never stays certified unpaid. Nothing is charged. Inside the
    grace period it stays as it is and the next night tries again. Returns whether it lapsed."""
    with transaction.atomic():
        wallet_lock(holder_id=holder_id)
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",)).select_related("plan", "holder")
            .filter(pk=mailbox_id, status=Mailbox.Status.CERTIFIED, expires_on__lt=on_date - grace_period()).first()
        )
        if mailbox is None:
            return False
        addons = addons_of_locked(mailbox, list(addons_active(mailbox_id=mailbox_id)))
        for addon in addons:
            addon_deactivate(addon=addon, on_date=on_date, description=DEACTIVATION_EXPIRED)
        mailbox_set_status(mailbox=mailbox, status=Mailbox.Status.EXPIRED, on_date=on_date,
                           description=f"Casella scaduta il {mailbox.expires_on:%d/%m/%Y}: rinnovo non riuscito "
                                       f"entro il periodo di tolleranza di {grace_period().days} giorni")
        provisioner().request(mailbox=mailbox, action="status", status=Mailbox.Status.EXPIRED)
    summary.expired += 1
    summary.deactivated += len(addons)
    return True


def _renew_locked(*, mailboxes, wallets, on_date):
    """SPEC 3.7 for locked due mailboxes, in their order, with their holders' locked wallets."""
    if not mailboxes:
        return RenewalSummary()
    addons = addons_active_by_mailbox(mailbox_ids=[mailbox.pk for mailbox in mailboxes])
    writes, summary = RenewalWrites(on_date=on_date), RenewalSummary()
    for mailbox in mailboxes:
        _mailbox_night(mailbox=mailbox, addons=addons_of_locked(mailbox, addons.get(mailbox.pk, [])),
                       wallet=wallets[mailbox.holder_id], writes=writes, summary=summary)
    writes.flush()
    renewal_failures_clear(mailbox_ids=[mailbox.pk for mailbox in mailboxes])
    return summary


def _mailbox_night(*, mailbox, addons, wallet, writes, summary):
    """SPEC 3.7 for one due mailbox, into ``writes``; ``wallet`` is locked and its balance moves
    in memory, so the holder's next mailbox in the batch sees what this one spent."""
    on_date = writes.on_date
    summary.mailboxes += 1
    if mailbox.status == Mailbox.Status.EXPIRED and on_date - mailbox.expires_on > grace_period():
        _mailbox_terminate(mailbox=mailbox, addons=addons, writes=writes, summary=summary,
                           why=f"periodo di tolleranza di {grace_period().days} giorni terminato")
        return
    if mailbox.cancelled_on is not None and mailbox.status == Mailbox.Status.CERTIFIED:
        # Disdetta: it ceases at its expiry, uncharged and without a grace period.
        _mailbox_terminate(mailbox=mailbox, addons=addons, writes=writes, summary=summary,
                           why=f"disdetta del {mailbox.cancelled_on:%d/%m/%Y}")
        return
    # A mailbox left certified long past its expiry (an import, a stopped scheduler) renews
    # period by period until it is current, so a second run of the same night finds nothing.
    while mailbox.expires_on <= on_date:
        plan = plan_line(mailbox.plan)
        if not mailbox.auto_renew or wallet_spending_refusal(wallet) or wallet.balance_cents < plan.gross_cents:
            if mailbox.status == Mailbox.Status.CERTIFIED:
                _mailbox_expire(mailbox=mailbox, addons=addons, wallet=wallet, writes=writes, summary=summary)
            return
        addons = period_renew(mailbox=mailbox, addons=addons, wallet=wallet, manual=False, writes=writes,
                              outcome=summary)


def _mailbox_expire(*, mailbox, addons, wallet, writes, summary):
    if refusal := wallet_spending_refusal(wallet):
        why = refusal
    elif mailbox.auto_renew:
        why = f"credito insufficiente per il rinnovo (credito {format_euro(wallet.balance_cents)})"
    else:
        why = "rinnovo automatico non attivo"
    writes.status(mailbox=mailbox, status=Mailbox.Status.EXPIRED,
                  description=f"Casella scaduta il {mailbox.expires_on:%d/%m/%Y}: {why}")
    for addon in addons:
        writes.addon_off(addon=addon, description=DEACTIVATION_EXPIRED)
    writes.provisioning.append((mailbox, "status", {"status": Mailbox.Status.EXPIRED}))
    summary.expired += 1
    summary.deactivated += len(addons)


def _mailbox_terminate(*, mailbox, addons, writes, summary, why):
    for addon in addons:
        writes.addon_off(addon=addon, description=DEACTIVATION_EXPIRED)
        summary.deactivated += 1
    writes.status(mailbox=mailbox, status=Mailbox.Status.TERMINATED,
                  description=f"Casella cessata: {why}")
    writes.provisioning.append((mailbox, "status", {"status": Mailbox.Status.TERMINATED}))
    summary.terminated += 1
