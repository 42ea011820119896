"""Operability plumbing (issue 9): a request id on every log line and response, JSON log lines for
the log collector, and a plain 503 page instead of a traceback while the database is away."""

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept so one request can be followed across both logs; anything that could
# forge a log line (spaces, quotes, newlines) or flood it is replaced by our own.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_DB_OUTAGE = "_pecportal_database_unavailable"
DATABASE_OUTAGE_RETRY_SECONDS = 30

request_id_var = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra=`` fields a caller passes are kept beside the message."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in self._STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _note_database_outage(sender, request=None, **kwargs):
    # Django turns an exception into a 500 inside the middleware layer where it happened (the
    # session or the login mailbox are read before any view runs), so the outer middleware
    # cannot catch it; this signal is the one place that still sees the exception.
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, (OperationalError, InterfaceError)):
        setattr(request, _DB_OUTAGE, True)


got_request_exception.connect(_note_database_outage, dispatch_uid="pecportal.database_outage")


class DatabaseUnavailableMiddleware:
    """Any response spoiled by a lost database connection becomes the plain 503 page, with
    Retry-After, in every mode: a holder never sees a traceback or settings."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _DB_OUTAGE, False):
            logging.getLogger(__name__).error("database unavailable: %s %s answered 503",
                                              request.method, request.path)
            response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_SECONDS)
        return response
