"""Lines invoiced before the unit was stored get one from the migration that added it."""

import importlib

import pytest
from django.apps import apps

from invoices.models import InvoiceLine
from invoices.services import credit_note_issue

from .conftest import issue

pytestmark = pytest.mark.django_db

fill_units = importlib.import_module("invoices.migrations.0002_invoice_line_unit").fill_units


def test_a_mailbox_renewal_counts_years_and_every_other_line_gb(billable_holder, staff):
    renewal = issue(billable_holder, "renewal:mailbox:7:2026-03-30")
    note = credit_note_issue(invoice=renewal, staff_user=staff.user, reason="Rinnovo non dovuto")
    order = issue(billable_holder, "order:12")
    addon_renewal = issue(billable_holder, "renewal:addon:3:2026-03-30")
    InvoiceLine.objects.update(unit="")

    fill_units(apps, None)

    units = dict(InvoiceLine.objects.values_list("invoice__reference", "unit"))
    assert units == {renewal.reference: "anno", note.reference: "anno", order.reference: "GB",
                     addon_renewal.reference: "GB"}
