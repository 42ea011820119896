from django.contrib.auth.hashers import make_password

from .models import Mailbox


def normalize_address(value):
    return (value or "").strip().lower()


def mailbox_create(*, holder, address, plan, password="", password_hash="", **fields):
    return Mailbox.objects.create(
        holder=holder,
        address=normalize_address(address),
        plan=plan,
        password_hash=password_hash or (make_password(password) if password else ""),
        **fields,
    )
