from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.safestring import mark_safe

from accounts.money import format_euro

register = template.Library()


@register.filter
def euro(cents):
    if cents is None or cents == "":
        return ""
    return format_euro(cents)


# The menu's links depend on the language and two settings only, yet rendering them was a tenth of a
# page's template time (docs/load-ops.md): each process renders them once per language.
_menu_links = {}


@register.simple_tag
def portal_menu_links():
    language = translation.get_language()
    html = _menu_links.get(language)
    if html is None:
        html = _menu_links[language] = mark_safe(render_to_string("portal_menu_links.html", {
            "WEBMAIL_URL": settings.WEBMAIL_URL, "GESTIONEMAIL_URL": settings.GESTIONEMAIL_URL,
        }))
    return html


def _forget_menu_links(**kwargs):
    # A changed setting (tests) or template (runserver's reload keeps the process) renders them again.
    _menu_links.clear()


setting_changed.connect(_forget_menu_links, dispatch_uid="accounts.portal_menu_links.settings")
file_changed.connect(_forget_menu_links, dispatch_uid="accounts.portal_menu_links.files")
