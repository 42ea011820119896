"""Cursor pages of the API over core.paging's keyset pages: ``after`` / ``before`` carry a row id,
and each answer links the pages next to it, so a client follows ``next`` to the end and never
computes a cursor. Every page costs what the first does."""

from django.utils.translation import gettext as _
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.paging import POSITION_PARAMETERS, cursor_from_query

from .errors import ApiError, invalid_parameter


def query_cursor(request):
    cursor = cursor_from_query(request.query_params)
    if cursor is None:
        name = next(name for name in POSITION_PARAMETERS if name in request.query_params)
        raise invalid_parameter(name, _("Cursore non valido: usa i link «next» e «previous» delle risposte."))
    return cursor


def page_body(request, page, serializer_class):
    """The answer for ``page``: its rows through ``serializer_class`` and the links next to it."""
    if page.cursor_lost:
        raise ApiError(code="cursor_not_found", status_code=400, message=_(
            "Il cursore non indica più una riga di questo elenco: ricomincia dalla prima pagina."))
    url = request.build_absolute_uri()
    return {
        "results": serializer_class(page.rows, many=True).data,
        "next": None if page.next_after is None else
        replace_query_param(remove_query_param(url, "before"), "after", page.next_after),
        "previous": None if page.previous_before is None else
        replace_query_param(remove_query_param(url, "after"), "before", page.previous_before),
    }
