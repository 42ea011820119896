"""IVA (SPEC 3.6): 22 % on a net total, rounded half-up to the cent, computed once per order."""

VAT_RATE_PERCENT = 22


def vat_cents(net_cents, rate_percent=VAT_RATE_PERCENT):
    # Integer half-up: (net × rate + 50) // 100, exact for non-negative cents.
    return (net_cents * rate_percent + 50) // 100


def gross_cents(net_cents, rate_percent=VAT_RATE_PERCENT):
    return net_cents + vat_cents(net_cents, rate_percent)
