"""What the API reads and writes, field by field: the OpenAPI schema is made from these, and the
views pass the selectors' rows through them. Money is integer euro cents, dates ISO 8601."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Operation
from addons.models import Addon, Order
from billing.models import LedgerEntry
from core.paging import PAGE_SIZE
from invoices.models import Invoice
from mailboxes.models import Mailbox

PAGE_SIZE_MAX = 100


class PageQuery(serializers.Serializer):
    after = serializers.CharField(required=False, help_text="The `next` link's cursor: the page after this row id.")
    before = serializers.CharField(required=False, help_text="The `previous` link's cursor: the page before this row id.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE,
                                     help_text=f"Rows per page, 1 to {PAGE_SIZE_MAX}.")


class MailboxListQuery(PageQuery):
    status = serializers.ChoiceField(choices=Mailbox.Status.choices, required=False)
    q = serializers.CharField(required=False, max_length=254, help_text="Part of the address, any case.")
    expires_after = serializers.DateField(required=False, help_text="Expiring on this day or later.")
    expires_before = serializers.DateField(required=False, help_text="Expiring on this day or earlier.")

    def validate(self, attrs):
        after, before = attrs.get("expires_after"), attrs.get("expires_before")
        if after and before and after > before:
            raise serializers.ValidationError({"expires_before": [_("Deve essere uguale o successiva a expires_after.")]})
        return attrs


class OperationListQuery(PageQuery):
    kind = serializers.ChoiceField(choices=Operation.Kind.choices, required=False)


class MailboxRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.EmailField()
    status = serializers.ChoiceField(choices=Mailbox.Status.choices)
    expires_on = serializers.DateField()
    plan_code = serializers.CharField()
    plan = serializers.CharField(help_text="The plan's name.")
    auto_renew = serializers.BooleanField()


class AddonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    addon_type = serializers.CharField(source="addon_type.code")
    name = serializers.CharField(source="addon_type.name")
    quantity = serializers.IntegerField()
    unit = serializers.CharField(source="addon_type.unit")
    status = serializers.ChoiceField(choices=Addon.Status.choices)
    activated_on = serializers.DateField()
    expires_on = serializers.DateField()
    cancelled_on = serializers.DateField(allow_null=True)
    deactivated_on = serializers.DateField(allow_null=True)


class MailboxSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.EmailField()
    status = serializers.ChoiceField(choices=Mailbox.Status.choices)
    plan_code = serializers.CharField(source="plan.code")
    plan = serializers.CharField(source="plan.name")
    requested_on = serializers.DateField()
    certified_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField()
    cancelled_on = serializers.DateField(allow_null=True)
    auto_renew = serializers.BooleanField()
    end_client = serializers.BooleanField()
    inbox_extra_gb = serializers.IntegerField()
    archive_extra_gb = serializers.IntegerField()
    conservation_gb = serializers.IntegerField()
    # The add-ons the view read with the mailbox (renewals.selectors.mailbox_page_get), not a new query.
    addons = AddonSerializer(source="listed_addons", many=True,
                             help_text="Every add-on, active or not, in order of activation.")


class CreditSerializer(serializers.Serializer):
    balance_cents = serializers.IntegerField()
    available_cents = serializers.IntegerField(
        help_text="What can be spent: the balance, or minus the debt while a refund or lost dispute left one.")


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    amount_cents = serializers.IntegerField()
    balance_after_cents = serializers.IntegerField()
    debt_change_cents = serializers.IntegerField()
    description = serializers.CharField()


class OperationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Operation.Kind.choices)
    mailbox_address = serializers.CharField(help_text="Empty when the operation concerns no one mailbox.")
    description = serializers.CharField()
    amount_cents = serializers.IntegerField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Operation.Outcome.choices)
    invoice_id = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(help_text="The e-mail of the delegated user who did it; empty when the holder did.")


class InvoiceRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=Invoice.Kind.choices)
    net_cents = serializers.IntegerField()
    vat_cents = serializers.IntegerField()
    gross_cents = serializers.IntegerField()


class ForecastRowSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    mailbox_id = serializers.IntegerField()
    address = serializers.EmailField()
    is_addon = serializers.BooleanField()
    item = serializers.CharField(source="line.label")
    net_cents = serializers.IntegerField(source="line.net_cents")
    vat_cents = serializers.IntegerField(source="line.vat_cents")
    gross_cents = serializers.IntegerField(source="line.gross_cents")
    covered = serializers.BooleanField(help_text="Whether today's credit pays it, spent as the nights spend it.")


class ForecastSerializer(serializers.Serializer):
    today = serializers.DateField()
    last_day = serializers.DateField()
    balance_cents = serializers.IntegerField()
    total_gross_cents = serializers.IntegerField()
    credit_runs_out_on = serializers.DateField(allow_null=True)
    rows = ForecastRowSerializer(many=True)


class AddonOrderRequest(serializers.Serializer):
    addon_type = serializers.SlugField(max_length=50, help_text="An add-on type's code, e.g. `inbox_extra`.")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    expected_gross_cents = serializers.IntegerField(
        required=False, min_value=0, max_value=10**12,
        help_text="The price the client expects to pay; if today's differs, the order is refused (`price_changed`).")


class BulkSelection(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    status = serializers.ChoiceField(choices=Mailbox.Status.choices, required=False, allow_blank=True, default="")


class BulkAddonOrderRequest(AddonOrderRequest):
    mailboxes = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                      required=False, min_length=1, max_length=100_000)
    filter = BulkSelection(required=False, help_text="Every mailbox the list's filter picks, instead of `mailboxes`.")

    def validate(self, attrs):
        if ("mailboxes" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError(_("Indica «mailboxes» oppure «filter», non entrambi né nessuno."))
        return attrs


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    addon_type = serializers.CharField(source="addon_type.code")
    quantity = serializers.IntegerField()
    mailbox_id = serializers.IntegerField(allow_null=True, help_text="Null for an order over many mailboxes.")
    net_cents = serializers.IntegerField()
    vat_cents = serializers.IntegerField()
    gross_cents = serializers.IntegerField()


class OrderPlacementSerializer(serializers.Serializer):
    order = OrderSerializer()
    shortfall_cents = serializers.IntegerField(
        help_text="0 when paid; else what the credit lacks: the order completes when a top-up brings it.")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
