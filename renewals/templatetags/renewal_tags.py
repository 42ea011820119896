from django import template

register = template.Library()


@register.inclusion_tag("renewals/mailbox_renewal.html", takes_context=True)
def mailbox_renewal_section(context, mailbox):
    """The renewal block of the mailbox page: "Rinnova ora" and the auto-renew switch."""
    return {"mailbox": mailbox, "request": context.get("request")}
