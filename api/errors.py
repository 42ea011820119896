"""Every error of the API is JSON with a stable ``code`` (docs/api.md, "Errors"): what DRF raises is
given one here, and the API's own refusals raise ApiError with theirs. Clients branch on ``code``;
``message`` is for people and follows the request's language."""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    def __init__(self, *, code, message, status_code):
        super().__init__(detail=message, code=code)
        self.status_code = status_code


def invalid_parameter(name, message):
    """A 400 for one query parameter, shaped as a validation error of that field."""
    return exceptions.ValidationError({name: [message]}, code="invalid")


# DRF's exception → (code, message) for what its own message says too little or too technically.
_CODES = (
    (exceptions.NotAuthenticated, "not_authenticated",
     lambda: _("Manca la chiave: invia l'intestazione Authorization: Bearer <chiave>.")),
    (exceptions.AuthenticationFailed, "invalid_token",
     lambda: _("Chiave non valida o revocata.")),
    (exceptions.PermissionDenied, None, None),
    (exceptions.NotFound, "not_found", lambda: _("Non trovato.")),
    (exceptions.MethodNotAllowed, "method_not_allowed", None),
    (exceptions.NotAcceptable, "not_acceptable", None),
    (exceptions.UnsupportedMediaType, "unsupported_media_type",
     lambda: _("Il corpo della richiesta deve essere JSON (Content-Type: application/json).")),
    (exceptions.ParseError, "malformed_json", lambda: _("Il corpo della richiesta non è JSON valido.")),
    (exceptions.Throttled, "rate_limited",
     lambda: _("Troppe richieste con questo token: riprova tra qualche secondo (vedi Retry-After).")),
    (exceptions.ValidationError, "invalid_request", lambda: _("Parametri non validi: vedi «fields».")),
)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500, logged and reported
    response.data = error_body(exc)
    return response


def error_body(exc):
    if isinstance(exc, ApiError):
        return {"code": exc.get_codes(), "message": str(exc.detail)}
    for kind, code, message in _CODES:
        if isinstance(exc, kind):
            body = {"code": code or _own_code(exc), "message": message() if message else str(exc.detail)}
            if isinstance(exc, exceptions.ValidationError):
                body["fields"] = _field_errors(exc.detail)
            return body
    return {"code": "error", "message": str(exc.detail)}


def _own_code(exc):
    # A permission's own code (permissions.CanOrder's scope_required), else DRF's generic one.
    own = exc.get_codes()
    return "forbidden" if own == "permission_denied" else own


def _field_errors(detail):
    """{field: [message, …]} whatever shape DRF gave (a list for the whole body, nested dicts)."""
    if isinstance(detail, dict):
        return {name: [str(item) for item in _flatten(value)] for name, value in detail.items()}
    return {"non_field_errors": [str(item) for item in _flatten(detail)]}


def _flatten(value):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from (f"{name}: {text}" for text in _flatten(item))
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


class NoEndpointView(APIView):
    """Any path under /api/v1/ that names no endpoint, by any method: a JSON 404, never the portal's
    HTML page."""

    authentication_classes = permission_classes = throttle_classes = ()
    schema = None

    # No method has a handler here, so every one, OPTIONS included, ends in this one.
    def http_method_not_allowed(self, request, *args, **kwargs):
        raise ApiError(code="not_found", status_code=status.HTTP_404_NOT_FOUND,
                       message=_("Nessun endpoint a questo indirizzo (gli indirizzi finiscono con /)."))

    options = http_method_not_allowed
