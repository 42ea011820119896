from django import template

from billing.vat import gross_cents
from mailboxes.models import Mailbox

from ..selectors import addons_for_mailbox

register = template.Library()


@register.inclusion_tag("addons/mailbox_addons.html")
def mailbox_addons_section(mailbox):
    """The "Servizi Aggiuntivi associati alla casella" block of the mailbox page."""
    return {
        "mailbox": mailbox,
        "addons": addons_for_mailbox(mailbox_id=mailbox.pk),
        "can_order": mailbox.status == Mailbox.Status.CERTIFIED,
    }


@register.filter
def with_vat(net_cents):
    return gross_cents(net_cents)
