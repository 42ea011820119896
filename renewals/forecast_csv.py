"""/renewals/forecast.csv: the forecast's rows for a spreadsheet, in the nights' order."""

import csv
import io

from django.utils.translation import gettext

from core.money import format_decimal
from core.spreadsheet import cell_safe

FORECAST_CSV_HEADER = ["due_on", "address", "item", "net", "vat", "gross", "covered"]


def forecast_csv(forecast):
    """UTF-8 text with a header row; dates ISO, amounts in euros with a dot, ``covered`` yes/no."""
    mailbox_item = gettext("Casella")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FORECAST_CSV_HEADER)
    writer.writerows(
        (row.due_on.isoformat(), cell_safe(row.address),
         cell_safe(row.line.label if row.is_addon else f"{mailbox_item} {row.line.label}"),
         format_decimal(row.line.net_cents), format_decimal(row.line.vat_cents),
         format_decimal(row.line.gross_cents), "yes" if row.covered else "no")
        for row in forecast.rows
    )
    return out.getvalue()
