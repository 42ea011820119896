from django import template
from django.utils import timezone

from billing.links import topup_url

from ..selectors import mailbox_renewal_block

register = template.Library()


@register.inclusion_tag("renewals/mailbox_renewal.html")
def mailbox_renewal_section(mailbox, addons):
    """The renewal block of the mailbox page: "Rinnova ora" and the auto-renew switch (the inclusion
    tag hands the page's CSRF token to their forms)."""
    block = mailbox_renewal_block(mailbox=mailbox, addons=addons, today=timezone.localdate())
    return {"mailbox": mailbox, "topup_url": topup_url(block["shortfall_cents"]), **block}
