"""What one more year costs (SPEC 3.7): the plan's current price, then each active add-on at the
current catalogue price (quantity × unit price), IVA on each line. The nightly job, the alert
e-mails and "Rinnova ora" all show and charge this same breakdown."""

from dataclasses import dataclass
from datetime import date

from invoices.vat import gross_cents, vat_cents


@dataclass(frozen=True)
class PriceLine:
    label: str
    net_cents: int
    vat_cents: int
    gross_cents: int
    addon: object = None


@dataclass(frozen=True)
class RenewalQuote:
    mailbox_line: PriceLine
    addon_lines: tuple

    @property
    def lines(self):
        return (self.mailbox_line, *self.addon_lines)

    @property
    def total_gross_cents(self):
        return sum(line.gross_cents for line in self.lines)


def next_expiry(expires_on: date) -> date:
    """One year on; 29 February becomes 28 February (SPEC 3.7)."""
    try:
        return expires_on.replace(year=expires_on.year + 1)
    except ValueError:
        return expires_on.replace(year=expires_on.year + 1, day=28)


def price_line(*, label, net_cents, addon=None):
    return PriceLine(label=label, net_cents=net_cents, vat_cents=vat_cents(net_cents),
                     gross_cents=gross_cents(net_cents), addon=addon)


def plan_line(plan):
    return price_line(label=plan.name, net_cents=plan.yearly_price_cents)


def addon_line(addon):
    addon_type = addon.addon_type
    return price_line(
        label=f"{addon_type.name} {addon.quantity} {addon_type.unit}",
        net_cents=addon.quantity * addon_type.yearly_unit_price_cents,
        addon=addon,
    )


def renewal_quote(*, mailbox, addons):
    """``addons``: the mailbox's active add-ons, in order of activation, with addon_type loaded;
    a cancelled one (disdetta) does not renew and is left out."""
    return RenewalQuote(mailbox_line=plan_line(mailbox.plan),
                        addon_lines=tuple(addon_line(a) for a in addons if a.cancelled_on is None))
