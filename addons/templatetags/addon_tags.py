from django import template

from billing.vat import gross_cents
from mailboxes.models import Mailbox

register = template.Library()


@register.inclusion_tag("addons/mailbox_addons.html")
def mailbox_addons_section(mailbox):
    """The "Servizi Aggiuntivi associati alla casella" block of the mailbox page."""
    return {
        "mailbox": mailbox,
        # The mailbox page prefetches them (mailboxes.selectors.mailbox_page_get).
        "addons": mailbox.addons.all(),
        "can_order": mailbox.status == Mailbox.Status.CERTIFIED,
    }


@register.filter
def with_vat(net_cents):
    return gross_cents(net_cents)
