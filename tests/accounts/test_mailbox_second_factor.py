"""The holder's optional second factor for portal logins with their mailboxes: enrolment, the
code at login for every mailbox, recovery codes (each once), switching it off. The mailbox
password itself, which webmail checks, is untouched."""

import html
import re
from base64 import b32decode

import pytest
import segno
from django.contrib.auth import authenticate
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from tests.factories import PASSWORD, make_mailbox, totp_code


class Key:
    def __init__(self, text):
        self.bin_key, self.step, self.t0, self.digits, self.drift = b32decode(text), 30, 0, 6, 0


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # A wrong code delays the next try by a second: these tests type the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def turn_on(holder_client):
    assert "Non attiva" in holder_client.get("/profile/second-factor/").content.decode()
    page = holder_client.post("/profile/second-factor/", {"action": "start"}).content.decode()
    key = Key(re.search(r'data-testid="totp-key">([A-Z2-7]+)<', page).group(1))
    assert "otpauth://totp/" in page
    wrong = holder_client.post("/profile/second-factor/", {"action": "confirm", "code": "000000"
                                                           if totp_code(key) != "000000" else "111111"})
    assert "Codice non corretto" in wrong.content.decode()
    done = holder_client.post("/profile/second-factor/", {"action": "confirm", "code": totp_code(key)}).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done)
    assert len(codes) == 10
    return key, codes


def test_turning_it_on_shows_ten_recovery_codes_once(holder_client, holder):
    _key, codes = turn_on(holder_client)
    assert StaticToken.objects.filter(device__user=holder.user).count() == 10
    page = holder_client.get("/profile/second-factor/").content.decode()
    assert "Attiva." in page and codes[0] not in page


def test_every_mailbox_login_then_asks_for_the_code(holder_client, mailbox):
    key, codes = turn_on(holder_client)
    other = make_mailbox(mailbox.holder)
    # A TOTP code is taken once (the enrolment used this period's): the next period's, then a recovery code.
    for address, code in ((mailbox.address, totp_code(key, steps_ahead=1)), (other.address, codes[0])):
        client = Client()
        first = client.post("/login/", {"username": address, "password": PASSWORD})
        assert first["Location"] == "/login/code/"
        assert client.get("/").status_code == 302, "the password alone opens nothing"
        assert client.post("/login/code/", {"code": code}).status_code == 302
        page = client.get("/").content.decode()
        assert address in page


def test_a_recovery_code_works_once(holder_client, mailbox):
    _key, codes = turn_on(holder_client)
    client = Client()
    client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 302
    again = Client()
    again.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    response = again.post("/login/code/", {"code": codes[0]})
    assert response.status_code == 200 and "Codice non corretto" in response.content.decode()
    assert again.get("/").status_code == 302


def test_turning_it_off_needs_a_code_and_then_the_password_is_enough(holder_client, mailbox):
    key, codes = turn_on(holder_client)
    refused = holder_client.post("/profile/second-factor/", {"action": "disable", "code": "nope"})
    assert "Codice non corretto" in refused.content.decode()
    assert holder_client.post("/profile/second-factor/", {"action": "disable", "code": codes[1]}).status_code == 302
    assert Client().post("/login/", {"username": mailbox.address, "password": PASSWORD})["Location"] == "/"


def test_the_mailbox_password_is_checked_as_before(holder_client, mailbox, rf):
    """What webmail relies on: the mailbox's address and password, nothing else."""
    turn_on(holder_client)
    user = authenticate(rf.post("/login/"), username=mailbox.address, password=PASSWORD, holder_login=True)
    assert user is not None and user.login_mailbox.pk == mailbox.pk


def test_a_password_change_between_the_two_steps_ends_the_login(holder_client, mailbox):
    from mailboxes.services import mailbox_change_password

    key, _codes = turn_on(holder_client)
    client = Client()
    client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    mailbox_change_password(mailbox=mailbox, new_password="Nuova-Pass2?")
    assert client.post("/login/code/", {"code": totp_code(key, steps_ahead=1)})["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_staff_turn_it_off_for_a_holder_who_lost_phone_and_codes(holder_client, mailbox, capsys):
    from django.core.management import CommandError, call_command

    turn_on(holder_client)
    call_command("second_factor_off", mailbox.address.upper())
    assert "spenta" in capsys.readouterr().out
    assert Client().post("/login/", {"username": mailbox.address, "password": PASSWORD})["Location"] == "/"
    with pytest.raises(CommandError, match="non ha la seconda credenziale"):
        call_command("second_factor_off", mailbox.address)


def test_the_enrolment_shows_the_otpauth_uri_as_a_qr_code_drawn_by_the_portal(holder_client, holder):
    page = holder_client.post("/profile/second-factor/", {"action": "start"}).content.decode()
    uri = html.unescape(re.search(r'data-testid="totp-uri">([^<]+)<', page).group(1))
    src = html.unescape(re.search(r'<img class="portal-qr" src="([^"]+)"', page).group(1))

    assert src.startswith("data:image/svg+xml")  # no third party sees the key (CSP allows data: images)
    assert src == segno.make(uri, error="m").svg_data_uri(scale=4)
    assert "alt=\"Codice QR da inquadrare con l'app di autenticazione\"" in page
