"""The TOTP second factor of portal logins (django-otp): always for delegated users, who enrol a
device before their first use; for the holder's mailbox logins when the holder turns it on, with
one-off recovery codes. Webmail never sees it: it checks the mailbox password alone."""

from base64 import b32encode

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "portale"
RECOVERY_CODES = 10


def second_factor_required(user):
    return hasattr(user, "delegate") or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_enabled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_verify(user, code):
    """Whether ``code`` is the current TOTP code of one of the user's devices or one of their unused
    recovery codes (used up by this). django-otp refuses a TOTP code already used and, after each
    failure, throttles the device for an exponentially growing time."""
    code = "".join((code or "").split())
    if not code:
        return False
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return True
    return False


def totp_device_start(user):
    """A new, unconfirmed device for the user to enrol; a previous unconfirmed one is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_pending(user):
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_enrolment(device):
    """What the authenticator app needs: the otpauth:// URI as a QR code to scan (an SVG data URI,
    drawn here: no third party sees the key) or as text to paste, and the key as text."""
    qr = segno.make(device.config_url, error="m")
    width, height = qr.symbol_size(scale=QR_SCALE)
    return {"uri": device.config_url, "key": b32encode(device.bin_key).decode(),
            "qr": {"src": qr.svg_data_uri(scale=QR_SCALE), "width": width, "height": height}}


QR_SCALE = 4  # pixels per module: about 180 px square, easy for a phone's camera


def totp_device_confirm(device, code):
    if not device.verify_token("".join((code or "").split())):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def mailbox_second_factor_confirm(user, code):
    """Turns the holder's second factor on with the pending device; returns the recovery codes,
    which are stored only in django-otp's static device and shown to the holder once, or None when
    the code is wrong."""
    device = totp_device_pending(user)
    if device is None or not totp_device_confirm(device, code):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


@transaction.atomic
def mailbox_second_factor_disable(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
