"""The nightly jobs and "Rinnova ora" (SPEC 3.7). Every cent moves through billing.wallet_post.

Lock order everywhere is wallet, then mailbox, as in addons.services: a renewal, an order and a
landing top-up of the same holder queue behind each other and never deadlock."""

import logging
from dataclasses import dataclass, fields
from functools import partial
from itertools import groupby

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Holder, Operation
from accounts.money import format_euro
from accounts.services import operation_log
from addons.services import addon_deactivate
from billing.models import LedgerEntry, Wallet
from billing.services import wallet_get_or_create, wallet_post
from invoices.services import invoice_issue
from mailboxes.models import Mailbox
from mailboxes.provisioning import provisioner
from mailboxes.services import mailbox_set_status

from .emails import addons_deactivated_message, expiry_alert_message
from .models import ExpiryAlert, RenewalCharge
from .pricing import addon_line, next_expiry, plan_line, renewal_quote
from .selectors import (
    addons_active,
    alert_mailboxes_for_resend,
    alert_pending,
    alert_pending_for_holders,
    alert_pending_stream,
    grace_period,
    renewal_due_batch,
    renewal_due_count,
    renewal_due_q,
    renewal_window_open,
    wallet_balances,
)

logger = logging.getLogger(__name__)

DEACTIVATION_NO_CREDIT = "Disattivazione per credito insufficiente"
DEACTIVATION_EXPIRED = "Disattivazione per scadenza della casella"
DEFERRED = "deferred"


class RenewalRefused(Exception):
    """A manual renewal or switch the holder may not make; the message is shown as it is."""


@dataclass
class RenewalSummary:
    mailboxes: int = 0
    renewed: int = 0
    addons_renewed: int = 0
    deactivated: int = 0
    expired: int = 0
    terminated: int = 0
    emails_sent: int = 0
    debited_cents: int = 0
    failed: int = 0

    def add(self, other):
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass
class AlertSummary:
    mailboxes: int = 0
    emails_sent: int = 0
    failed: int = 0


def _wallet_lock(*, holder_id, skip_locked=False):
    """The holder's wallet, locked; None if ``skip_locked`` and another transaction holds it."""
    wallet = Wallet.objects.select_for_update(skip_locked=skip_locked).filter(holder_id=holder_id).first()
    if wallet is None and not Wallet.objects.filter(holder_id=holder_id).exists():
        wallet_get_or_create(holder_id=holder_id)
        wallet = Wallet.objects.select_for_update().get(holder_id=holder_id)
    return wallet


# Renewals -------------------------------------------------------------------------------------

def renewals_run(*, on_date, dry_run=False, batch_size=500, progress=None):
    """The renewal night of ``on_date``. A dry run does all the work inside one transaction and
    rolls it back, so what it reports is exactly what a real run would do, e-mails included
    (they leave only on commit)."""
    summary = RenewalSummary()
    total = renewal_due_count(on_date=on_date) if progress else 0
    if not dry_run:
        _renewals_loop(on_date=on_date, batch_size=batch_size, summary=summary, progress=progress, total=total)
        return summary
    with transaction.atomic():
        _renewals_loop(on_date=on_date, batch_size=batch_size, summary=summary, progress=progress, total=total)
        transaction.set_rollback(True)
    return summary


def _renewals_loop(*, on_date, batch_size, summary, progress, total):
    after_id, done = 0, 0
    while batch := renewal_due_batch(on_date=on_date, after_id=after_id, limit=batch_size):
        # First pass skips mailboxes whose wallet another worker holds, so workers started together
        # leapfrog each other instead of queueing on the same rows; the second pass waits for them.
        deferred = [row for row in batch if _renewal_attempt(row, on_date=on_date, wait=False, summary=summary) is DEFERRED]
        for row in deferred:
            _renewal_attempt(row, on_date=on_date, wait=True, summary=summary)
        done += len(batch)
        if progress:
            progress(done, max(total, done))
        after_id = batch[-1][0]


def _renewal_attempt(row, *, on_date, wait, summary):
    mailbox_id, holder_id = row
    try:
        outcome = mailbox_renewal_process(mailbox_id=mailbox_id, holder_id=holder_id, on_date=on_date, wait=wait)
    except Exception:
        # One broken mailbox must not stop the night; its transaction rolled back alone and the
        # next run retries it.
        logger.exception("Renewal of mailbox %s failed", mailbox_id)
        summary.failed += 1
        return None
    if isinstance(outcome, RenewalSummary):
        summary.add(outcome)
    return outcome


def mailbox_renewal_process(*, mailbox_id, holder_id, on_date, wait=True):
    """One due mailbox with its add-ons, in one transaction. Returns None when another worker holds
    it or has already done tonight's work (the due condition is re-checked under the lock), and
    DEFERRED when ``wait`` is off and the holder's wallet is busy."""
    with transaction.atomic():
        wallet = _wallet_lock(holder_id=holder_id, skip_locked=not wait)
        if wallet is None:
            return DEFERRED
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",), skip_locked=True).select_related("plan", "holder")
            .filter(renewal_due_q(on_date), pk=mailbox_id, holder_id=holder_id).first()
        )
        if mailbox is None:
            return None
        outcome = RenewalSummary(mailboxes=1)
        if mailbox.status == Mailbox.Status.EXPIRED and on_date - mailbox.expires_on > grace_period():
            _mailbox_terminate(mailbox=mailbox, on_date=on_date, outcome=outcome)
            return outcome
        addons = [_attach(addon, mailbox) for addon in addons_active(mailbox_id=mailbox.pk)]
        balance = wallet.balance_cents
        # A mailbox left certified long past its expiry (an import, a stopped scheduler) renews
        # period by period until it is current, so a second run of the same night finds nothing.
        while mailbox.expires_on <= on_date:
            plan = plan_line(mailbox.plan)
            if not mailbox.auto_renew or balance < plan.gross_cents:
                if mailbox.status == Mailbox.Status.CERTIFIED:
                    _mailbox_expire(mailbox=mailbox, addons=addons, on_date=on_date, balance=balance, outcome=outcome)
                return outcome
            balance, addons = _period_renew(mailbox=mailbox, addons=addons, balance=balance, on_date=on_date,
                                            manual=False, outcome=outcome)
        return outcome


def _attach(addon, mailbox):
    # The locked instance, so add-on deactivation updates the quota of the row we hold.
    addon.mailbox = mailbox
    return addon


def _period_renew(*, mailbox, addons, balance, on_date, manual, outcome):
    """Charge one year of the mailbox, then each add-on while the credit lasts (SPEC 3.7 step 2).
    Returns the balance left and the add-ons still active."""
    start = mailbox.expires_on
    end = next_expiry(start)
    plan = plan_line(mailbox.plan)
    balance = _charge(mailbox=mailbox, addon=None, line=plan, start=start, end=end, manual=manual, balance=balance,
                      on_date=on_date, description=f"Rinnovo casella {mailbox.plan.name} dal {start:%d/%m/%Y} al {end:%d/%m/%Y}")
    outcome.renewed += 1
    outcome.debited_cents += plan.gross_cents
    mailbox.expires_on = end
    mailbox.save(update_fields=["expires_on"])
    if mailbox.status != Mailbox.Status.CERTIFIED:
        mailbox_set_status(mailbox=mailbox, status=Mailbox.Status.CERTIFIED, on_date=on_date,
                           description="Casella di nuovo attiva dopo il rinnovo")
    provisioner().request(mailbox=mailbox, action="renew", expires_on=end.isoformat())
    kept, dropped = [], []
    for addon in addons:
        line = addon_line(addon)
        if balance < line.gross_cents:
            addon_deactivate(addon=addon, on_date=on_date, description=DEACTIVATION_NO_CREDIT)
            dropped.append(line)
            continue
        balance = _charge(mailbox=mailbox, addon=addon, line=line, start=start, end=end, manual=manual,
                          balance=balance, on_date=on_date, description=f"Rinnovo {line.label} ({mailbox.address}) fino al {end:%d/%m/%Y}")
        addon.expires_on = end
        addon.save(update_fields=["expires_on"])
        kept.append(addon)
        outcome.addons_renewed += 1
        outcome.debited_cents += line.gross_cents
    if dropped:
        outcome.deactivated += len(dropped)
        outcome.emails_sent += 1
        transaction.on_commit(partial(_send_deactivation_mail, mailbox=mailbox, lines=dropped, balance=balance))
    return balance, kept


def _charge(*, mailbox, addon, line, start, end, manual, balance, on_date, description):
    kind = "addon" if addon else "mailbox"
    reference = f"renewal:{kind}:{(addon or mailbox).pk}:{start.isoformat()}"
    entry = None
    if line.gross_cents:
        entry = wallet_post(holder_id=mailbox.holder_id, amount_cents=-line.gross_cents, kind=LedgerEntry.Kind.RENEWAL,
                            reference=reference, description=description)
        balance = entry.balance_after_cents
        # One invoice per debit, like an order: its IVA on the line's net is then exactly the
        # IVA charged, which one invoice over several lines would round differently.
        quantity = addon.quantity if addon else 1
        invoice_issue(holder=mailbox.holder, reference=reference, issued_on=on_date, lines=[{
            "description": description, "mailbox_address": mailbox.address, "period_start": start,
            "period_end": end, "quantity": quantity, "unit_price_cents": line.net_cents // quantity,
            "net_cents": line.net_cents,
        }])
    # Unique per (mailbox or add-on, period start): a period already charged fails here and rolls
    # the whole mailbox back, whoever tried to charge it twice.
    RenewalCharge.objects.create(
        holder_id=mailbox.holder_id, mailbox=mailbox, addon=addon, period_start=start, period_end=end,
        net_cents=line.net_cents, vat_cents=line.vat_cents, gross_cents=line.gross_cents,
        ledger_entry=entry, manual=manual,
    )
    operation_log(holder_id=mailbox.holder_id, kind=Operation.Kind.RENEWAL, mailbox_address=mailbox.address,
                  description=description, amount_cents=-line.gross_cents, reference=reference)
    return balance


def _mailbox_expire(*, mailbox, addons, on_date, balance, outcome):
    if mailbox.auto_renew:
        why = f"credito insufficiente per il rinnovo (credito {format_euro(balance)})"
    else:
        why = "rinnovo automatico non attivo"
    mailbox_set_status(mailbox=mailbox, status=Mailbox.Status.EXPIRED, on_date=on_date,
                       description=f"Casella scaduta il {mailbox.expires_on:%d/%m/%Y}: {why}")
    for addon in addons:
        addon_deactivate(addon=addon, on_date=on_date, description=DEACTIVATION_EXPIRED)
    provisioner().request(mailbox=mailbox, action="status", status=Mailbox.Status.EXPIRED)
    outcome.expired += 1
    outcome.deactivated += len(addons)


def _mailbox_terminate(*, mailbox, on_date, outcome):
    for addon in addons_active(mailbox_id=mailbox.pk):
        addon_deactivate(addon=_attach(addon, mailbox), on_date=on_date, description=DEACTIVATION_EXPIRED)
        outcome.deactivated += 1
    mailbox_set_status(
        mailbox=mailbox, status=Mailbox.Status.TERMINATED, on_date=on_date,
        description=f"Casella cessata: periodo di tolleranza di {grace_period().days} giorni terminato",
    )
    provisioner().request(mailbox=mailbox, action="status", status=Mailbox.Status.TERMINATED)
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
        wallet = _wallet_lock(holder_id=holder.pk)
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
        outcome = RenewalSummary(mailboxes=1)
        _period_renew(mailbox=mailbox, addons=addons, balance=wallet.balance_cents, on_date=today,
                      manual=True, outcome=outcome)
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

def expiry_alerts_send(*, on_date, dry_run=False, batch_size=200, progress=None):
    """One e-mail per holder listing every mailbox at a new stage (SPEC 3.7). Holders are handled
    in batches, each locked while its alerts are re-checked, mailed and recorded, so two runs at
    once mail each stage once: the second finds the first's alerts once it gets the locks."""
    summary = AlertSummary()
    total = alert_pending(on_date=on_date).count() if progress else 0
    batch, seen = [], 0
    for holder_id, _mailbox_id in alert_pending_stream(on_date=on_date):
        seen += 1
        if not batch or batch[-1] != holder_id:
            if len(batch) >= batch_size:
                _alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run, summary=summary)
                batch = []
                if progress:
                    progress(seen - 1, max(total, seen))
            batch.append(holder_id)
    if batch:
        _alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run, summary=summary)
    if progress:
        progress(seen, max(total, seen))
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
        alerts = []
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
                alerts += [ExpiryAlert(holder_id=holder_id, mailbox=mailbox, expires_on=mailbox.expires_on,
                                       stage=mailbox.stage, sent_at=sent_at) for mailbox in group]
                summary.emails_sent += 1
                summary.mailboxes += len(group)
        ExpiryAlert.objects.bulk_create(alerts)


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
