from django import template
from django.utils import timezone

from ..emails import topup_path
from ..selectors import mailbox_renewal_block

register = template.Library()


@register.inclusion_tag("renewals/mailbox_renewal.html", takes_context=True)
def mailbox_renewal_section(context, mailbox):
    """The renewal block of the mailbox page: "Rinnova ora" and the auto-renew switch."""
    block = mailbox_renewal_block(mailbox=mailbox, today=timezone.localdate())
    return {
        "mailbox": mailbox,
        "topup_path": topup_path(block["shortfall_cents"]),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        **block,
    }
