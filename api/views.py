"""The holder API (docs/api.md). Each view checks its input and calls the selector or service the
portal's own page calls; the token's holder (``request.auth.holder``) scopes every read and write."""

import uuid

from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from addons.bulk import bulk_order_place, bulk_order_quote
from addons.services import DuplicateOrder, OrderRefused, StaleQuote, order_place, order_quote
from billing.selectors import holder_available_cents, holder_balance_cents, ledger_for_holder, operations_page
from invoices.export import fatturapa_document
from invoices.fatturapa import file_name
from invoices.pdf import invoice_pdf
from invoices.selectors import invoice_get_for_holder, invoices_page
from mailboxes.selectors import MailboxSelectionInvalid, mailbox_get_for_holder, mailbox_list_page, mailbox_selection
from renewals.forecast import forecast_for_holder
from renewals.selectors import mailbox_page_get

from . import serializers as api
from .errors import ApiError, error_body
from .idempotency import idempotency_key, idempotent
from .paging import page_body, query_cursor
from .permissions import CanOrder

ERRORS = {code: OpenApiResponse(api.ErrorSerializer) for code in (400, 401, 403, 404, 429)}
ORDER_ERRORS = {**ERRORS, 409: OpenApiResponse(api.ErrorSerializer), 422: OpenApiResponse(api.ErrorSerializer)}
IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
                                   description="A new unique value per order (a UUID); a retry sends the same.")
# Order keys are UUIDs: the idempotency key of one holder maps to one, so the order table's own
# unique key is a second guard against placing the same order twice.
ORDER_KEY_NAMESPACE = uuid.UUID("6f1c2f4e-5a0b-4d4e-9a59-0c2f3b1d7e21")


def page(name, row_serializer):
    return inline_serializer(name, {
        "results": row_serializer(many=True),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
    })


def parsed(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class MailboxListView(APIView):
    @extend_schema(operation_id="mailboxes_list", parameters=[api.MailboxListQuery], responses={200: page("MailboxPage", api.MailboxRowSerializer),
                                                                 **ERRORS})
    def get(self, request):
        query = parsed(api.MailboxListQuery, request.query_params)
        rows = mailbox_list_page(
            holder=request.auth.holder, q=query.get("q", ""), status=query.get("status", ""),
            expires_from=query.get("expires_after"), expires_until=query.get("expires_before"),
            cursor=query_cursor(request), size=query["limit"], with_total=False)
        return Response(page_body(request, rows, api.MailboxRowSerializer))


class MailboxDetailView(APIView):
    @extend_schema(operation_id="mailbox_retrieve", responses={200: api.MailboxSerializer, **ERRORS})
    def get(self, request, mailbox_id):
        mailbox, addons = mailbox_page_get(holder=request.auth.holder, mailbox_id=mailbox_id)
        mailbox.listed_addons = addons
        return Response(api.MailboxSerializer(mailbox).data)


class CreditView(APIView):
    @extend_schema(operation_id="credit_retrieve", responses={200: api.CreditSerializer, **ERRORS})
    def get(self, request):
        holder = request.auth.holder
        return Response({"balance_cents": holder_balance_cents(holder),
                         "available_cents": holder_available_cents(holder)})


class LedgerView(APIView):
    @extend_schema(operation_id="ledger_list", parameters=[api.PageQuery], responses={200: page("LedgerPage", api.LedgerEntrySerializer),
                                                          **ERRORS})
    def get(self, request):
        query = parsed(api.PageQuery, request.query_params)
        rows = ledger_for_holder(holder=request.auth.holder, cursor=query_cursor(request), size=query["limit"])
        return Response(page_body(request, rows, api.LedgerEntrySerializer))


class OperationListView(APIView):
    @extend_schema(operation_id="operations_list", parameters=[api.OperationListQuery],
                   responses={200: page("OperationPage", api.OperationSerializer), **ERRORS})
    def get(self, request):
        query = parsed(api.OperationListQuery, request.query_params)
        rows = operations_page(holder=request.auth.holder, kind=query.get("kind", ""), cursor=query_cursor(request),
                               size=query["limit"], with_total=False)
        return Response(page_body(request, rows, api.OperationSerializer))


class InvoiceListView(APIView):
    @extend_schema(operation_id="invoices_list", parameters=[api.PageQuery], responses={200: page("InvoicePage", api.InvoiceRowSerializer),
                                                          **ERRORS})
    def get(self, request):
        query = parsed(api.PageQuery, request.query_params)
        rows = invoices_page(holder=request.auth.holder, cursor=query_cursor(request), size=query["limit"])
        return Response(page_body(request, rows, api.InvoiceRowSerializer))


class JsonErrorsOnly(DefaultContentNegotiation):
    """The file downloads answer with their file whatever the Accept header, and errors in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class InvoiceFileView(APIView):
    content_negotiation_class = JsonErrorsOnly

    def invoice(self, request, invoice_id):
        invoice = invoice_get_for_holder(holder=request.auth.holder, invoice_id=invoice_id)
        if invoice is None:
            raise ApiError(code="not_found", status_code=404, message=_("Non trovato."))
        return invoice


class InvoicePdfView(InvoiceFileView):
    @extend_schema(operation_id="invoice_pdf", responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, invoice_id):
        invoice = self.invoice(request, invoice_id)
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number.replace("/", "-")}.pdf"'
        return response


class InvoiceXmlView(InvoiceFileView):
    @extend_schema(operation_id="invoice_fatturapa", responses={(200, "application/xml"): OpenApiTypes.BINARY, **ERRORS,
                              409: OpenApiResponse(api.ErrorSerializer, description="Not yet sendable to SdI.")})
    def get(self, request, invoice_id):
        invoice = self.invoice(request, invoice_id)
        document, reason = fatturapa_document(invoice)
        if reason:
            raise ApiError(code="fatturapa_unavailable", status_code=409, message=reason)
        response = HttpResponse(document, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{file_name(invoice)}"'
        return response


class ForecastView(APIView):
    @extend_schema(operation_id="forecast_retrieve", responses={200: api.ForecastSerializer, **ERRORS})
    def get(self, request):
        forecast = forecast_for_holder(holder=request.auth.holder, today=timezone.localdate())
        return Response(api.ForecastSerializer(forecast).data)


def _placement_response(place):
    """The order's answer: 201 with the order (completed, or pending short of credit), or the
    refusal as an error answer; both are stored for the Idempotency-Key."""
    try:
        placement = place()
    except StaleQuote as refusal:
        return _refusal("price_changed", 409, refusal)
    except DuplicateOrder as refusal:
        return _refusal("duplicate_order", 409, refusal)
    except OrderRefused as refusal:
        return _refusal("order_refused", 422, refusal)
    return Response(api.OrderPlacementSerializer({"order": placement.order,
                                                  "shortfall_cents": placement.shortfall_cents}).data,
                    status=status.HTTP_201_CREATED)


def _refusal(code, status_code, refusal):
    return Response(error_body(ApiError(code=code, status_code=status_code, message=str(refusal))), status=status_code)


def _order_key(request, key):
    return uuid.uuid5(ORDER_KEY_NAMESPACE, f"{request.auth.holder.pk}:{key}")


class MailboxOrderView(APIView):
    permission_classes = [CanOrder]

    @extend_schema(operation_id="mailbox_order_create", request=api.AddonOrderRequest, parameters=[IDEMPOTENCY_KEY],
                   responses={201: api.OrderPlacementSerializer, **ORDER_ERRORS})
    def post(self, request, mailbox_id):
        key = idempotency_key(request)
        choice = parsed(api.AddonOrderRequest, request.data)
        holder = request.auth.holder
        mailbox = mailbox_get_for_holder(holder=holder, mailbox_id=mailbox_id)

        def place():
            expected = choice.get("expected_gross_cents")
            if expected is None:
                expected = order_quote(mailbox=mailbox, addon_type_code=choice["addon_type"],
                                       quantity=choice["quantity"]).price.gross_cents
            return order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code=choice["addon_type"],
                               quantity=choice["quantity"], expected_gross_cents=expected,
                               order_key=_order_key(request, key))

        return idempotent(request, key=key, body=request.data, place=lambda: _placement_response(place))


class BulkOrderView(APIView):
    permission_classes = [CanOrder]

    @extend_schema(operation_id="bulk_order_create", request=api.BulkAddonOrderRequest, parameters=[IDEMPOTENCY_KEY],
                   responses={201: api.OrderPlacementSerializer, **ORDER_ERRORS})
    def post(self, request):
        key = idempotency_key(request)
        choice = parsed(api.BulkAddonOrderRequest, request.data)
        holder = request.auth.holder
        mailbox_ids = self.selection(holder, choice)
        today = timezone.localdate()
        common = {"holder": holder, "mailbox_ids": mailbox_ids, "addon_type_code": choice["addon_type"],
                  "quantity": choice["quantity"], "today": today}

        def place():
            expected = choice.get("expected_gross_cents")
            if expected is None:
                expected = bulk_order_quote(**common).gross_cents
            return bulk_order_place(**common, expected_gross_cents=expected, order_key=_order_key(request, key))

        return idempotent(request, key=key, body=request.data, place=lambda: _placement_response(place))

    @staticmethod
    def selection(holder, choice):
        """The holder's mailboxes the body names; any id that is not one of them is a 404, as it is
        for one mailbox, so a typo never orders for fewer mailboxes than the client meant."""
        data = _selection_data(choice)
        try:
            ids = mailbox_selection(holder=holder, data=data).ids
        except MailboxSelectionInvalid as invalid:
            if "filter" in choice:
                raise ApiError(code="no_mailboxes", status_code=422, message=str(invalid)) from None
            raise ApiError(code="not_found", status_code=404, message=_("Non trovato.")) from None
        if "mailboxes" in choice and len(ids) != len(set(choice["mailboxes"])):
            raise ApiError(code="not_found", status_code=404, message=_("Non trovato."))
        return ids


def _selection_data(choice):
    """The selection as the list's bulk form posts it (mailboxes.selectors.mailbox_selection)."""
    data = QueryDict(mutable=True)
    if "filter" in choice:
        data.update({"all": "1", **choice["filter"]})
    else:
        data.setlist("mailbox", [str(mailbox_id) for mailbox_id in choice["mailboxes"]])
    return data
