"""Euro cents in, Italian text out, and back: the only place money meets strings."""

import re

_AMOUNT = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")


def format_euro(cents):
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}€ {euros:,}".replace(",", ".") + f",{rest:02d}"


def format_decimal(cents):
    """Euros with a dot and two decimals, for files other programs read: 12345 -> '123.45'."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros}.{rest:02d}"


def parse_euro(text):
    """'10', '10,5', '10.50', '1.000,00'? -> cents. Thousands separators are refused rather than
    guessed at: '1.000' would otherwise mean one euro to a reader of either convention."""
    match = _AMOUNT.match((text or "").strip().replace("€", "").strip())
    if not match:
        raise ValueError(text)
    whole, fraction = match.groups()
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
