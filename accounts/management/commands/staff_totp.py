from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = ("Crea il dispositivo TOTP (seconda credenziale dell'admin) di un utente staff e stampa "
            "l'URL otpauth:// da aprire con un'app di autenticazione.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true",
                            help="Sostituisce i dispositivi TOTP esistenti (telefono perso o cambiato).")

    def handle(self, *args, username, replace, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"Nessun utente staff con nome {username!r}.")
        devices = TOTPDevice.objects.filter(user=user)
        if devices.exists() and not replace:
            raise CommandError(f"{username} ha già un dispositivo TOTP: usa --replace per sostituirlo.")
        with transaction.atomic():
            devices.delete()
            device = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
        self.stdout.write(device.config_url)
        self.stdout.write(f"Chiave (base32): {b32encode(device.bin_key).decode()}")
