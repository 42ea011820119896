from django import template

from invoices.vat import gross_cents

from ..services import mailbox_can_order

register = template.Library()


@register.inclusion_tag("addons/mailbox_addons.html")
def mailbox_addons_section(mailbox, addons):
    """The "Servizi Aggiuntivi associati alla casella" block of the mailbox page (``addons``: the
    page's read of all the mailbox's add-ons)."""
    return {
        "mailbox": mailbox,
        "addons": addons,
        "can_order": mailbox_can_order(mailbox),
    }


@register.filter
def with_vat(net_cents):
    return gross_cents(net_cents)
