"""/renewals/forecast.csv: the forecast's rows for a spreadsheet, in the nights' order."""

from django.utils.translation import gettext

from core.csv_download import csv_chunks
from core.money import format_decimal

FORECAST_CSV_HEADER = ["due_on", "address", "item", "net", "vat", "gross", "covered"]


def forecast_csv_chunks(forecast):
    """UTF-8 CSV with a header row; dates ISO, amounts in euros with a dot, ``covered`` yes/no."""
    mailbox_item = gettext("Casella")
    return csv_chunks(FORECAST_CSV_HEADER, (
        (row.due_on.isoformat(), row.address,
         row.line.label if row.is_addon else f"{mailbox_item} {row.line.label}",
         format_decimal(row.line.net_cents), format_decimal(row.line.vat_cents),
         format_decimal(row.line.gross_cents), "yes" if row.covered else "no")
        for row in forecast.rows
    ))
