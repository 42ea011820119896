import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.factories import PASSWORD
from tests.security.production import production_get


@pytest.fixture
def otp_required(settings):
    settings.ADMIN_REQUIRE_OTP = True


@pytest.fixture
def staff(db):
    return User.objects.create_user("operatore", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)


def current_token(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_a_correct_password_without_a_token_does_not_open_the_admin(client, otp_required, device):
    response = client.post("/admin/login/", {"username": "operatore", "password": PASSWORD})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_wrong_token_does_not_open_the_admin(client, otp_required, device):
    wrong = f"{(int(current_token(device)) + 1) % 1_000_000:06d}"
    client.post("/admin/login/", {"username": "operatore", "password": PASSWORD,
                                  "otp_device": device.persistent_id, "otp_token": wrong})
    assert client.get("/admin/").status_code == 302


def test_a_valid_totp_token_opens_the_admin(client, otp_required, device):
    response = client.post("/admin/login/", {
        "username": "operatore", "password": PASSWORD,
        "otp_device": device.persistent_id, "otp_token": current_token(device), "next": "/admin/",
    })
    assert response.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Area Clienti PEC" in page.content.decode()


def test_staff_without_a_verified_device_is_treated_as_not_staff(client, otp_required, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_demo_may_switch_the_second_factor_off(client, settings, staff):
    settings.ADMIN_REQUIRE_OTP = False
    assert client.post("/admin/login/", {"username": "operatore", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_totp_prints_a_device_that_opens_the_admin(client, otp_required, staff, capsys):
    call_command("staff_totp", "operatore")
    out = capsys.readouterr().out
    assert out.startswith("otpauth://totp/Area%20Clienti%20PEC%3Aoperatore?secret=")
    device = TOTPDevice.objects.get(user=staff)
    assert device.config_url in out
    client.post("/admin/login/", {"username": "operatore", "password": PASSWORD,
                                  "otp_device": device.persistent_id, "otp_token": current_token(device)})
    assert client.get("/admin/").status_code == 200


def test_staff_totp_replaces_a_device_only_when_asked(staff, device, capsys):
    with pytest.raises(CommandError, match="--replace"):
        call_command("staff_totp", "operatore")
    call_command("staff_totp", "operatore", "--replace")
    assert list(TOTPDevice.objects.filter(user=staff)) != [device]
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_staff_totp_refuses_a_user_who_is_not_staff(db):
    User.objects.create_user("cliente", password=PASSWORD)
    with pytest.raises(CommandError, match="Nessun utente staff"):
        call_command("staff_totp", "cliente")


def test_production_requires_the_second_factor_and_serves_the_admin_where_configured():
    moved = production_get("/gestione-riservata/login/", ADMIN_URL="gestione-riservata/", ADMIN_REQUIRE_OTP="0")
    assert moved["status"] == 200
    assert 'name="otp_token"' in moved["body"]
    assert production_get("/admin/login/", ADMIN_URL="gestione-riservata/")["status"] == 404
