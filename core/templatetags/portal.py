from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.money import format_euro

register = template.Library()


@register.filter
def euro(cents):
    if cents is None or cents == "":
        return ""
    return format_euro(cents)


@register.filter
def beyond(sequence, shown):
    """How many items of ``sequence`` a list cut at ``shown`` leaves out (a quote over thousands of
    mailboxes shows the first ones and says how many more its totals count)."""
    return max(0, len(sequence) - int(shown))


@register.simple_tag
def select_options(choices, selected):
    """A <select>'s options, the one whose value is ``selected`` (None: none) marked: as Django's
    Select widget writes them, without its template per option (a list filter's select cost more
    than its table)."""
    return mark_safe("".join(
        f'<option value="{escape(value)}"{" selected" if selected is not None and str(value) == str(selected) else ""}>'
        f"{escape(label)}</option>"
        for value, label in choices
    ))


@register.simple_tag
def page_links(page, query=""):
    """A long list's "« Precedente · Successiva »" (core.paging.KeysetPage), keeping the list's filters
    (``query``, already URL-encoded): written here, it costs a tenth of the same markup as an included
    template. A link that leads nowhere stays in place, greyed, so the other never moves."""
    if page.previous_before is None and page.next_after is None:
        return ""
    prefix = f"?{escape(query)}&amp;" if query else "?"

    def link(label, parameter, row_id, rel):
        if row_id is None:
            return f'<li class="page-item disabled"><span class="page-link">{escape(label)}</span></li>'
        return (f'<li class="page-item"><a class="page-link" href="{prefix}{parameter}={int(row_id)}" '
                f'rel="{rel}">{escape(label)}</a></li>')

    return mark_safe(f'<nav aria-label="{escape(gettext("Pagine"))}">\n  <ul class="pagination">'
                     + link(gettext("« Precedente"), "before", page.previous_before, "prev")
                     + link(gettext("Successiva »"), "after", page.next_after, "next")
                     + "</ul>\n</nav>")


# Fragments that depend only on the language and settings, rendered once per language and process:
# the menu's links alone were a tenth of a page's template time.
_fragments = {}


def _once_per_language(name, render):
    key = (name, translation.get_language())
    html = _fragments.get(key)
    if html is None:
        html = _fragments[key] = mark_safe(render())
    return html


@register.simple_tag
def language_buttons():
    """The IT / EN switch's buttons, the current language's filled."""
    return _once_per_language("language_buttons", _language_buttons_html)


def _language_buttons_html():
    language = translation.get_language()
    return "\n".join(
        f'<button class="btn btn-sm {"btn-secondary" if code == language else "btn-outline-secondary"}" '
        f'name="language" value="{escape(code)}">{escape(code.upper())}</button>'
        for code, _name in settings.LANGUAGES
    )


@register.simple_tag
def portal_menu_links():
    return _once_per_language("menu_links", lambda: render_to_string("portal_menu_links.html", {
        "WEBMAIL_URL": settings.WEBMAIL_URL, "GESTIONEMAIL_URL": settings.GESTIONEMAIL_URL,
    }))


def _forget_rendered_fragments(**kwargs):
    # A changed setting (tests) or template (runserver's reload keeps the process) renders them again.
    _fragments.clear()


setting_changed.connect(_forget_rendered_fragments, dispatch_uid="accounts.portal_fragments.settings")
file_changed.connect(_forget_rendered_fragments, dispatch_uid="accounts.portal_fragments.files")
