"""pecportal.template_loader: constant {% translate %} and {% static %} tags folded into text per
language, with the same output as Django's own cached loader."""

import pytest
from django.template import Context, Engine
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.test import override_settings
from django.utils import translation

TEMPLATES = {
    "base.html": '{% load i18n %}<title>{% block title %}{% translate "Area Clienti PEC" %}{% endblock %}</title>'
                 "{% block content %}{% endblock %}",
    "page.html": (
        '{% extends "base.html" %}{% load i18n %}{% block content %}'
        '<a>{% translate "Ricarica" %}</a>'
        "<b>{% translate word %}</b>"
        '<i>{% translate "Ricarica" as label %}{{ label }}</i>'
        '<u>{% translate "Ricarica"|upper %}</u>'
        '{% if show %}<p>{% translate "Logout" %}</p>{% elif other %}<p>{% translate "Home" %}</p>{% endif %}'
        '{% for n in numbers %}<li>{{ n }} {% translate "Stato" %}</li>{% empty %}{% translate "NO" %}{% endfor %}'
        '<s>{% translate "Ricarica" noop %}</s><q>{% translate "May" context "month name" %}</q>'
        '<em>{% translate "50% & <più>" %}</em>'
        '{% language "en" %}<b>{% translate "Ricarica" %}</b>{% endlanguage %}{% endblock %}'
    ),
    "assets.html": ("{% load static %}<link href=\"{% static 'css/portal.css' %}\">"
                    "<script src=\"{% static script %}\"></script><img src=\"{% static \"it's.png\" %}\">"
                    "{% autoescape off %}<img src=\"{% static \"it's.png\" %}\">{% endautoescape %}"),
}
CONTEXT = {"word": "Ricarica", "show": True, "numbers": [1, 2], "script": "js/topup.js"}


def engine(cached_loader):
    return Engine(loaders=[(cached_loader, [("django.template.loaders.locmem.Loader", TEMPLATES)])],
                  libraries={"i18n": "django.templatetags.i18n", "static": "django.templatetags.static"})


@pytest.mark.parametrize("name", ["page.html", "assets.html"])
@pytest.mark.parametrize("language", ["it", "en"])
def test_folded_pages_render_what_djangos_cached_loader_renders(language, name):
    with translation.override(language):
        folded = engine("pecportal.template_loader.Loader").get_template(name).render(Context(CONTEXT))
        plain = engine("django.template.loaders.cached.Loader").get_template(name).render(Context(CONTEXT))
    assert folded == plain


def test_each_language_gets_its_own_copy():
    portal = engine("pecportal.template_loader.Loader")
    rendered = {}
    for language in ["it", "en", "it"]:
        with translation.override(language):
            rendered.setdefault(language, []).append(portal.get_template("page.html").render(Context(CONTEXT)))
    assert "<a>Ricarica</a>" in rendered["it"][0]
    assert "<a>Top-up</a>" in rendered["en"][0]
    assert rendered["it"][0].endswith("<b>Top-up</b>")  # inside {% language "en" %}
    assert "<b>Top-up</b>" in rendered["en"][0]
    assert rendered["it"][0] == rendered["it"][1]


def test_only_constant_translations_are_left_as_text():
    with translation.override("en"):
        page = engine("pecportal.template_loader.Loader").get_template("page.html")
    left = page.nodelist.get_nodes_by_type(TranslateNode)
    assert sorted((str(node.filter_expression), node.noop, node.asvar or "") for node in left) == [
        ('"Ricarica"', False, ""), ('"Ricarica"', False, "label"), ('"Ricarica"', True, ""),
        ('"Ricarica"|upper', False, ""), ("word", False, "")]


def test_static_urls_fold_unless_escaping_would_change_them():
    assets = engine("pecportal.template_loader.Loader").get_template("assets.html")
    assert [str(node.path) for node in assets.nodelist.get_nodes_by_type(StaticNode)] == [
        "script", '"it\'s.png"', '"it\'s.png"']


def test_a_new_static_url_setting_is_seen():
    stylesheet = 'href="{}bootstrap/css/bootstrap.min.css"'
    assert stylesheet.format("/static/") in get_template("503.html").render()
    with override_settings(STATIC_URL="/assets/"):
        assert stylesheet.format("/assets/") in get_template("503.html").render()
