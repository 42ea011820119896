"""CSV files a holder downloads: streamed as their rows are read, so a file of 100,000 rows costs the
memory of a few hundred, and safe to open in a spreadsheet."""

import csv
import io

from django.http import StreamingHttpResponse

# What Excel, LibreOffice and Google Sheets take as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# One write to the socket per chunk of rows (~40 KB), not one per row.
ROWS_PER_CHUNK = 500


def spreadsheet_safe(value):
    """A text cell a spreadsheet would execute, with a leading ``'`` so that it stays text; any
    other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header, rows, *, rows_per_chunk=ROWS_PER_CHUNK):
    """The header and the rows as UTF-8 CSV (RFC 4180 quoting, CRLF, no byte-order mark), in
    chunks of ``rows_per_chunk`` rows; every text cell goes through spreadsheet_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(map(spreadsheet_safe, row))
        if count % rows_per_chunk == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def csv_download(chunks, *, filename):
    """A streamed attachment of ``chunks``; personal data, so no cache keeps a copy."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
