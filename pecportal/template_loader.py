"""Django's cached template loader, one compiled copy per language, with the tags whose output is
fixed for the process's life already rendered into text: ``{% translate "..." %}`` and
``{% static "..." %}`` with a quoted argument. The portal's pages carry 10 to 40 of them, and
rendering them at each request was a quarter of a page's template time (docs/load-ops.md).

A translated literal is output as it stands (Django marks template literals safe), and a static
URL is folded only when escaping leaves it unchanged, so the text folded in is what the tag would
render in any context. Tags with a variable, filters, ``noop`` or ``as``, and anything inside
``{% language %}``, render as usual."""

from django.core.signals import setting_changed
from django.template import Context, engines
from django.template.base import TextNode, Variable
from django.template.defaulttags import IfNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.utils import translation


class Loader(cached.Loader):
    def cache_key(self, template_name, skip=None):
        return f"{translation.get_language()}:{super().cache_key(template_name, skip)}"

    def get_template(self, template_name, skip=None):
        compiled_now = self.cache_key(template_name, skip) not in self.get_template_cache
        template = super().get_template(template_name, skip)
        if compiled_now:
            _fold_constants(template.nodelist)
        return template


def _fold_constants(nodelist):
    for index, node in enumerate(nodelist):
        text = _constant_text(node)
        if text is not None:
            nodelist[index] = TextNode(text)
            continue
        for child in _child_nodelists(node):
            _fold_constants(child)


def _child_nodelists(node):
    if isinstance(node, LanguageNode):
        return []  # {% language %} renders its content in another language than the template's
    if isinstance(node, IfNode):
        # IfNode.nodelist is a fresh list built on each access; its branches are the real ones.
        return [branch for _condition, branch in node.conditions_nodelists]
    return [getattr(node, name) for name in node.child_nodelists if getattr(node, name, None) is not None]


def _constant_text(node):
    if isinstance(node, TranslateNode) and _is_constant_translation(node):
        return node.render(Context())
    if isinstance(node, StaticNode) and node.varname is None and _is_literal(node.path):
        escaped, raw = node.render(Context(autoescape=True)), node.render(Context(autoescape=False))
        return raw if escaped == raw else None
    return None


def _is_constant_translation(node):
    if node.noop or node.asvar:
        return False
    expression = node.filter_expression  # TranslateNode wraps its literal in a Variable
    if expression.filters or not isinstance(expression.var, Variable) or expression.var.literal is None:
        return False
    return node.message_context is None or _is_literal(node.message_context)


def _is_literal(expression):
    return not expression.filters and not isinstance(expression.var, Variable)


def _forget_static_urls(*, setting, **kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES"}:
        for backend in engines.all():
            for loader in getattr(getattr(backend, "engine", None), "template_loaders", ()):
                if isinstance(loader, Loader):
                    loader.reset()


setting_changed.connect(_forget_static_urls, dispatch_uid="pecportal.template_loader.static")
