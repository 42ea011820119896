"""Disdetta: the holder cancels a mailbox or an add-on, or revokes that before it takes effect.

A cancelled mailbox keeps working until its expiry, renews no more (auto-renew off, "Rinnova ora"
refused) and the renewal night makes it `cessata` at its expiry instead of `scaduta` with a grace
period (renewals.night). A cancelled add-on stays active until its own expiry and is then switched
off instead of renewed (renewals.period; addons_cancelled_end for one whose mailbox was renewed by
hand earlier). Revoking is possible while the expiry has not come.

Each change is logged in Esito Operazioni and confirmed by e-mail to the reference address once
committed. Doing one twice changes nothing. These writes lock the mailbox row (no wallet: no money
moves), so a cancellation and the night's batch for the same mailbox queue behind each other."""

import logging
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log
from addons.models import Addon
from addons.services import addon_deactivate
from mailboxes.models import Mailbox

from .emails import cancellation_message
from .period import DEACTIVATION_CANCELLED
from .pricing import addon_line

logger = logging.getLogger(__name__)


class CancellationRefused(Exception):
    """A cancellation or revocation the holder may not make; the message is shown as it is."""


def mailbox_cancelled(mailbox):
    """Whether a live mailbox is cancelled and waits to cease at its expiry."""
    return mailbox.cancelled_on is not None and mailbox.status == Mailbox.Status.CERTIFIED


def cancelled_refusal():
    return _("La casella è stata disdetta e cesserà alla scadenza: revoca prima la disdetta.")


def mailbox_cancel(*, holder, mailbox_id, today):
    """Record the disdetta of a certified mailbox: cancelled_on = today, auto-renew off."""
    with transaction.atomic():
        mailbox = _mailbox_locked(holder=holder, mailbox_id=mailbox_id)
        if mailbox.status != Mailbox.Status.CERTIFIED:
            raise CancellationRefused(_("Si può disdire solo una casella attiva (certificata)."))
        if mailbox.cancelled_on is not None:
            return mailbox
        mailbox.cancelled_on, mailbox.auto_renew = today, False
        mailbox.save(update_fields=["cancelled_on", "auto_renew"])
        _changed(holder=holder, mailbox=mailbox, item=mailbox.address, ends_on=mailbox.expires_on, revoked=False,
                 description=f"Disdetta della casella: cesserà il {mailbox.expires_on:%d/%m/%Y}, senza rinnovo")
        return mailbox


def mailbox_cancel_revoke(*, holder, mailbox_id, today):
    """Undo a disdetta before the expiry: the mailbox renews again, with auto-renew back on (the
    disdetta turned it off)."""
    with transaction.atomic():
        mailbox = _mailbox_locked(holder=holder, mailbox_id=mailbox_id)
        if mailbox.status == Mailbox.Status.CERTIFIED and mailbox.cancelled_on is None:
            return mailbox
        if not mailbox_cancelled(mailbox) or today >= mailbox.expires_on:
            raise CancellationRefused(_("La disdetta può essere revocata solo prima della scadenza della casella."))
        mailbox.cancelled_on, mailbox.auto_renew = None, True
        mailbox.save(update_fields=["cancelled_on", "auto_renew"])
        _changed(holder=holder, mailbox=mailbox, item=mailbox.address, ends_on=mailbox.expires_on, revoked=True,
                 description="Disdetta della casella revocata: rinnovo automatico riattivato")
        return mailbox


def addon_cancel(*, holder, mailbox_id, addon_id, today):
    """Record the disdetta of an active add-on: it stays active until its expiry, unrenewed."""
    with transaction.atomic():
        mailbox = _mailbox_locked(holder=holder, mailbox_id=mailbox_id)
        addon = _addon_of(mailbox=mailbox, addon_id=addon_id)
        if addon.status != Addon.Status.ACTIVE:
            raise CancellationRefused(_("Questo servizio aggiuntivo non è attivo."))
        if addon.cancelled_on is not None:
            return addon
        addon.cancelled_on = today
        addon.save(update_fields=["cancelled_on"])
        label = addon_line(addon).label
        _changed(holder=holder, mailbox=mailbox, item=f"{label} ({mailbox.address})", ends_on=addon.expires_on,
                 revoked=False,
                 description=f"Disdetta di {label}: attivo fino al {addon.expires_on:%d/%m/%Y}, senza rinnovo")
        return addon


def addon_cancel_revoke(*, holder, mailbox_id, addon_id, today):
    with transaction.atomic():
        mailbox = _mailbox_locked(holder=holder, mailbox_id=mailbox_id)
        addon = _addon_of(mailbox=mailbox, addon_id=addon_id)
        if addon.status == Addon.Status.ACTIVE and addon.cancelled_on is None:
            return addon
        if addon.status != Addon.Status.ACTIVE or today >= addon.expires_on:
            raise CancellationRefused(_("La disdetta può essere revocata solo prima della scadenza del servizio."))
        addon.cancelled_on = None
        addon.save(update_fields=["cancelled_on"])
        label = addon_line(addon).label
        _changed(holder=holder, mailbox=mailbox, item=f"{label} ({mailbox.address})", ends_on=addon.expires_on,
                 revoked=True, description=f"Disdetta di {label} revocata: si rinnova con la casella")
        return addon


def addons_cancelled_end(*, on_date):
    """Switch off the cancelled add-ons whose expiry has come and that the night's renewal did not
    reach (their mailbox was renewed by hand before). Returns how many. Each in its own transaction
    holding its mailbox; one already off is skipped."""
    ended = 0
    for addon_id, mailbox_id in (Addon.objects.filter(status=Addon.Status.ACTIVE, cancelled_on__isnull=False,
                                                      expires_on__lte=on_date)
                                 .order_by("pk").values_list("pk", "mailbox_id")):
        with transaction.atomic():
            mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
            addon = Addon.objects.select_related("addon_type").get(pk=addon_id)
            if addon.status == Addon.Status.ACTIVE:
                addon.mailbox = mailbox
                addon_deactivate(addon=addon, on_date=on_date, description=DEACTIVATION_CANCELLED)
                ended += 1
    return ended


def _mailbox_locked(*, holder, mailbox_id):
    mailbox = (Mailbox.objects.select_for_update(of=("self",)).select_related("plan")
               .filter(pk=mailbox_id, holder=holder).first())
    if mailbox is None:
        raise CancellationRefused(_("Casella non trovata."))
    mailbox.holder = holder
    return mailbox


def _addon_of(*, mailbox, addon_id):
    addon = Addon.objects.select_for_update(of=("self",)).select_related("addon_type").filter(
        pk=addon_id, mailbox=mailbox).first()
    if addon is None:
        raise CancellationRefused(_("Servizio aggiuntivo non trovato."))
    addon.mailbox = mailbox
    return addon


def _changed(*, holder, mailbox, item, ends_on, revoked, description):
    operation_log(holder_id=holder.pk, kind=Operation.Kind.STATUS, mailbox_address=mailbox.address,
                  description=description)
    transaction.on_commit(partial(_send_confirmation, holder=holder, item=item, ends_on=ends_on, revoked=revoked))


def _send_confirmation(*, holder, item, ends_on, revoked):
    try:
        cancellation_message(holder=holder, item=item, ends_on=ends_on, revoked=revoked).send()
    except Exception:
        # The change is committed and in Esito Operazioni; a mail server down must not undo it.
        logger.exception("Cancellation e-mail for holder %s not sent", holder.pk)
