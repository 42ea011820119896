from django import template

from accounts.money import format_euro

register = template.Library()


@register.filter
def euro(cents):
    if cents is None or cents == "":
        return ""
    return format_euro(cents)
