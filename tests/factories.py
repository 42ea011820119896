"""The usual cast: a holder with a wallet and certified mailboxes."""

import itertools
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Operation
from accounts.services import holder_create
from billing.models import LedgerEntry
from billing.services import wallet_post
from mailboxes.models import Mailbox, Plan

PASSWORD = "Corretta-Pass1!"
_sequence = itertools.count(1)
_password_hash = {}


def password_hash(raw=PASSWORD):
    if raw not in _password_hash:
        _password_hash[raw] = make_password(raw)
    return _password_hash[raw]


# A billing address by default: paid orders need one (invoices.selectors.invoice_missing_data).
BILLING_ADDRESS = {"street": "Via Roma 1", "postal_code": "00184", "city": "Roma", "province": "RM"}
NO_BILLING_ADDRESS = dict.fromkeys(BILLING_ADDRESS, "")


def make_holder(*, fiscal_code=None, credit_cents=0, **fields):
    n = next(_sequence)
    fields = {**BILLING_ADDRESS, **fields}
    holder = holder_create(
        fiscal_code=fiscal_code or _synthetic_code(n),
        first_name=fields.pop("first_name", "Mario"),
        last_name=fields.pop("last_name", f"Rossi{n}"),
        email=fields.pop("email", f"titolare{n}@example.it"),
        **fields,
    )
    if credit_cents:
        wallet_post(holder_id=holder.pk, amount_cents=credit_cents, kind=LedgerEntry.Kind.ADJUSTMENT,
                    reference=f"test:opening:{holder.pk}", description="Credito di prova")
    return holder


def _synthetic_code(n):
    # Unique and well-formed; checksum validity matters only where a test validates a profile.
    return f"TSTHLD{n:010d}"[:16]


def make_mailbox(holder, *, address=None, plan="standard", status=Mailbox.Status.CERTIFIED,
                 expires_in_days=400, password=PASSWORD, **fields):
    n = next(_sequence)
    today = timezone.localdate()
    return Mailbox.objects.create(
        holder=holder,
        address=address or f"casella{n}@pec.example.it",
        password_hash=password_hash(password),
        plan=Plan.objects.get(code=plan),
        status=status,
        requested_on=fields.pop("requested_on", today - timedelta(days=30)),
        certified_on=fields.pop("certified_on", today - timedelta(days=30)),
        expires_on=fields.pop("expires_on", today + timedelta(days=expires_in_days)),
        **fields,
    )


def make_mailboxes(holder, count, *, plan="standard"):
    """Many mailboxes at once, for query-count and pagination tests."""
    today = timezone.localdate()
    plan_obj = Plan.objects.get(code=plan)
    start = next(_sequence) * 100_000
    return Mailbox.objects.bulk_create(
        Mailbox(
            holder=holder,
            address=f"massiva{start + i}@pec.example.it",
            password_hash=password_hash(),
            plan=plan_obj,
            status=Mailbox.Status.CERTIFIED,
            requested_on=today,
            certified_on=today,
            expires_on=today + timedelta(days=30 + i % 700),
        )
        for i in range(count)
    )


def make_operations(holder, count, *, kind=Operation.Kind.TOPUP, **fields):
    """Many lines of Esito Operazioni at once, for counting and pagination tests."""
    return Operation.objects.bulk_create(
        Operation(holder=holder, kind=kind, description=f"Operazione {i}", amount_cents=100 * i, **fields)
        for i in range(count)
    )


def totp_code(device, *, steps_ahead=0):
    """The code an authenticator app shows for ``device`` (a TOTPDevice) now, or ``steps_ahead``
    periods of 30 s later: django-otp accepts one period either side and never a code twice, so a
    second login within the same period uses the next period's code."""
    from django_otp.oath import TOTP

    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def make_delegate(holder, role="lettura", *, email=None, password=PASSWORD):
    """An accepted delegated user with a confirmed TOTP device (``delegate.device``)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.services import delegate_invite, invitation_password_set

    n = next(_sequence)
    delegate, _token = delegate_invite(holder=holder, email=email or f"utente{n}@example.it", role=role)
    device = invitation_password_set(delegate=delegate, password=password)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    delegate.user.is_active = True
    delegate.user.save(update_fields=["is_active"])
    delegate.accepted_at = timezone.now()
    delegate.save(update_fields=["accepted_at"])
    device.refresh_from_db()
    delegate.device = device
    return delegate


def log_in_delegate(client, delegate, *, password=PASSWORD, steps_ahead=0):
    first = client.post("/login/", {"username": delegate.email, "password": password})
    assert first.status_code == 302 and first["Location"] == "/login/code/", first
    second = client.post("/login/code/", {"code": totp_code(delegate.device, steps_ahead=steps_ahead)})
    assert second.status_code == 302, second.content.decode()
    return client
