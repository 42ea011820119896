from django import template

register = template.Library()


@register.inclusion_tag("addons/mailbox_addons.html")
def mailbox_addons_section(mailbox):
    """The "Servizi Aggiuntivi associati alla casella" block of the mailbox page."""
    return {"mailbox": mailbox, "addons": []}
