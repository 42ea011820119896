"""CSV cells that a spreadsheet opens as text: the one rule for every CSV the portal writes."""

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); tab and carriage return hide such a start from a careless eye.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """``value`` as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
