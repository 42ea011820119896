"""One more year of a mailbox and its add-ons (SPEC 3.7 steps 1–2), as the renewal night and
"Rinnova ora" both charge it: written into a RenewalWrites and saved by its ``flush`` with one
statement per table, so a night's batch of 500 mailboxes costs a few dozen queries instead of
tens of thousands, and "Rinnova ora" renews with the same code."""

import logging
from functools import partial

from django.db import transaction

from accounts.models import Operation
from addons.services import addon_deactivate_apply, addon_write_many
from billing.models import LedgerEntry
from billing.services import ledger_write_many, wallet_debit_apply
from invoices.services import invoice_issue_many
from mailboxes.models import Mailbox
from mailboxes.provisioning import provisioner
from mailboxes.services import mailbox_status_apply, mailbox_write_many

from .emails import addons_deactivated_message
from .models import RenewalCharge
from .pricing import addon_line, next_expiry, plan_line

logger = logging.getLogger(__name__)

DEACTIVATION_NO_CREDIT = "Disattivazione per credito insufficiente"
DEACTIVATION_CANCELLED = "Disattivazione per disdetta"
MAILBOX_RENEWAL_UNIT = "anno"


class RenewalWrites:
    """What renewing a set of locked mailboxes writes, held in memory until ``flush``."""

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

    def charge(self, *, mailbox, wallet, line, reference, description, invoice_line):
        """Debit one line of a renewal and bill it; returns its ledger entry, None for a free line.
        The night debits and invoices each line alone: one invoice per debit, like an order, so its
        IVA on the line's net is exactly the IVA charged, which one invoice over several lines
        would round differently."""
        self.operations.append(Operation(
            holder_id=mailbox.holder_id, kind=Operation.Kind.RENEWAL, mailbox_address=mailbox.address,
            description=description, amount_cents=-line.gross_cents, reference=reference,
        ))
        if not line.gross_cents:
            return None
        entry = self.debit(wallet=wallet, gross_cents=line.gross_cents, reference=reference, description=description)
        self.invoices.append((mailbox.holder, reference, [invoice_line]))
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


def addons_of_locked(mailbox, addons):
    """``addons`` pointing at the locked ``mailbox`` instance, so deactivating one updates the quota
    of the row the transaction holds."""
    for addon in addons:
        addon.mailbox = mailbox
    return addons


def period_renew(*, mailbox, addons, wallet, manual, writes, outcome):
    """Charge one year of the mailbox, then each add-on while the credit lasts (SPEC 3.7 step 2),
    counting into ``outcome`` (a RenewalSummary). ``wallet`` is locked and its balance moves in
    memory. Returns the add-ons still active."""
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
        if addon.cancelled_on is not None:
            # Disdetta: never renewed; off once its expiry has come (a renewal by hand before that
            # leaves it to renewals.cancellation.addons_cancelled_end).
            if addon.expires_on <= writes.on_date:
                writes.addon_off(addon=addon, description=DEACTIVATION_CANCELLED)
            continue
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
    # An add-on bills its quantity in the catalogue's unit; a mailbox, one year of itself.
    quantity, unit = (addon.quantity, addon.addon_type.unit) if addon else (1, MAILBOX_RENEWAL_UNIT)
    invoice_line = {
        "description": description, "mailbox_address": mailbox.address, "period_start": start,
        "period_end": end, "quantity": quantity, "unit": unit, "unit_price_cents": line.net_cents // quantity,
        "net_cents": line.net_cents,
    }
    entry = writes.charge(mailbox=mailbox, wallet=wallet, line=line, reference=reference, description=description,
                          invoice_line=invoice_line)
    # Unique per (mailbox or add-on, period start): a period already charged fails the insert and
    # rolls the whole transaction back, whoever tried to charge it twice.
    writes.charges.append(RenewalCharge(
        holder_id=mailbox.holder_id, mailbox=mailbox, addon=addon, period_start=start, period_end=end,
        net_cents=line.net_cents, vat_cents=line.vat_cents, gross_cents=line.gross_cents,
        ledger_entry=entry, manual=manual,
    ))


def _send_deactivation_mail(*, mailbox, lines, balance):
    try:
        addons_deactivated_message(holder=mailbox.holder, mailbox=mailbox, lines=lines, balance_cents=balance).send()
    except Exception:
        # The deactivation is committed and logged in Esito Operazioni; a mail server down
        # must not make the night fail.
        logger.exception("Deactivation e-mail for mailbox %s not sent", mailbox.pk)
