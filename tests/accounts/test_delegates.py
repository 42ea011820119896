"""Delegated users: the invitation (single use, 7 days, only its hash stored), the password and
TOTP enrolment, the login with e-mail + code, the header, role changes and revocation."""

import hashlib
import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Delegate, Operation
from tests.factories import PASSWORD, log_in_delegate, make_delegate, make_holder, totp_code

NEW_PASSWORD = "Segreteria-Ordine-2026"


@pytest.fixture
def invite(holder_client, django_capture_on_commit_callbacks):
    def invite(email="segreteria@example.it", role="tecnico"):
        with django_capture_on_commit_callbacks(execute=True):
            response = holder_client.post("/profile/users/invite/", {"email": email, "role": role})
        assert response.status_code == 302
        return re.search(r"http://\S+/invitation/(\S+)/", mail.outbox[-1].body).group(1)
    return invite


class Key:
    """What the person types into their authenticator app: the key shown on the page."""

    def __init__(self, text):
        self.bin_key, self.step, self.t0, self.digits, self.drift = b32decode(text), 30, 0, 6, 0


def key_on_page(response):
    return Key(re.search(r'data-testid="totp-key">([A-Z2-7]+)<', response.content.decode()).group(1))


def accept(client, token, password=NEW_PASSWORD):
    client.post(f"/invitation/{token}/", {"new_password1": password, "new_password2": password})
    key = key_on_page(client.get(f"/invitation/{token}/"))
    response = client.post(f"/invitation/{token}/", {"code": totp_code(key)})
    assert response.status_code == 302 and response["Location"] == "/login/", response.content.decode()
    return key


def test_the_invitation_mail_carries_a_link_whose_token_is_stored_only_as_a_hash(invite, holder):
    token = invite("Segreteria@Example.it", "amministrazione")
    delegate = Delegate.objects.get(holder=holder)
    assert mail.outbox[-1].to == ["segreteria@example.it"]
    assert delegate.email == "segreteria@example.it" and delegate.role == "amministrazione"
    assert delegate.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(list(Delegate.objects.values_list()))
    assert delegate.token_expires_at - delegate.invited_at == timedelta(days=7)
    assert not delegate.user.is_active and not delegate.user.has_usable_password()
    assert holder.operations.filter(kind=Operation.Kind.USERS).get().description == (
        "Invitato segreteria@example.it con ruolo amministrazione")


def test_the_invited_person_sets_a_password_enrols_totp_and_logs_in(invite, holder):
    token = invite()
    person = Client()
    weak = person.post(f"/invitation/{token}/", {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert "troppo comune" in weak.content.decode()
    key = accept(person, token)
    assert person.get("/").status_code == 302, "accepting is not logging in"

    assert log_in_with_code(person, "segreteria@example.it", NEW_PASSWORD, key, steps_ahead=1).status_code == 302
    page = person.get("/").content.decode()
    assert 'data-testid="login-delegate"' in page
    assert "segreteria@example.it" in page and "tecnico" in page and holder.full_name in page


def log_in_with_code(client, email, password, key, steps_ahead=0):
    first = client.post("/login/", {"username": email, "password": password})
    assert first.status_code == 302 and first["Location"] == "/login/code/"
    return client.post("/login/code/", {"code": totp_code(key, steps_ahead=steps_ahead)})


def test_the_password_alone_opens_nothing(invite):
    token = invite()
    person = Client()
    accept(person, token)
    response = person.post("/login/", {"username": "segreteria@example.it", "password": NEW_PASSWORD})
    assert response["Location"] == "/login/code/"
    assert person.get("/").status_code == 302
    assert person.get("/mailboxes/").status_code == 302


def test_a_wrong_enrolment_code_activates_nothing(invite):
    token = invite()
    person = Client()
    person.post(f"/invitation/{token}/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    key = key_on_page(person.get(f"/invitation/{token}/"))
    wrong = f"{(int(totp_code(key)) + 1) % 1_000_000:06d}"
    response = person.post(f"/invitation/{token}/", {"code": wrong})
    assert response.status_code == 200 and "Codice non corretto" in response.content.decode()
    delegate = Delegate.objects.get()
    assert delegate.accepted_at is None and not delegate.user.is_active
    assert not TOTPDevice.objects.filter(user=delegate.user, confirmed=True).exists()


def test_a_used_link_cannot_be_used_again(invite):
    token = invite()
    accept(Client(), token)
    again = Client().get(f"/invitation/{token}/")
    assert again.status_code == 410
    assert "già stato usato" in again.content.decode()
    post = Client().post(f"/invitation/{token}/", {"new_password1": "Altra-Pass-999", "new_password2": "Altra-Pass-999"})
    assert post.status_code == 410
    assert Delegate.objects.get().user.check_password(NEW_PASSWORD)


def test_an_expired_link_says_so_and_changes_nothing(invite):
    token = invite()
    Delegate.objects.update(token_expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(f"/invitation/{token}/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert "Questo invito è scaduto" in response.content.decode()
    assert not Delegate.objects.get().user.has_usable_password()


def test_an_unknown_or_revoked_link_is_refused(invite, holder_client):
    assert Client().get("/invitation/not-a-token/").status_code == 404
    token = invite()
    holder_client.post(f"/profile/users/{Delegate.objects.get().pk}/revoke/")
    response = Client().get(f"/invitation/{token}/")
    assert response.status_code == 410
    assert "revocato" in response.content.decode()


def test_inviting_a_pending_address_again_replaces_the_link(invite):
    first = invite(role="lettura")
    second = invite(role="tecnico")
    assert Client().get(f"/invitation/{first}/").status_code == 404
    assert Client().get(f"/invitation/{second}/").status_code == 200
    assert Delegate.objects.get().role == "tecnico"


def test_an_address_that_is_already_a_user_is_not_invited_again(holder, holder_client):
    make_delegate(make_holder(), email="tesoriere@example.it")
    response = holder_client.post("/profile/users/invite/", {"email": "tesoriere@example.it", "role": "lettura"},
                                  follow=True)
    assert "già un utente" in response.content.decode()
    assert not Delegate.objects.filter(holder=holder).exists()


def test_the_holder_changes_a_role_and_it_applies_at_once(holder, holder_client):
    delegate = make_delegate(holder, "lettura")
    client = log_in_delegate(Client(), delegate)
    mailbox = holder.mailboxes.first()
    assert client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "no"}).status_code == 403
    holder_client.post(f"/profile/users/{delegate.pk}/role/", {"role": "tecnico"})
    assert client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "no"}).status_code == 302
    assert holder.operations.filter(description__startswith="Ruolo di").exists()


def test_revoking_ends_the_users_sessions_on_their_next_request(holder, holder_client):
    delegate = make_delegate(holder, "tecnico")
    session = log_in_delegate(Client(), delegate)
    other_session = log_in_delegate(Client(), delegate, steps_ahead=1)
    assert session.get("/").status_code == 200
    response = holder_client.post(f"/profile/users/{delegate.pk}/revoke/", follow=True)
    assert "revocato" in response.content.decode()
    for client in (session, other_session):
        answer = client.get("/mailboxes/")
        assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert "_auth_user_id" not in session.session
    refused = Client().post("/login/", {"username": delegate.email, "password": PASSWORD})
    assert refused.status_code == 200 and "non corretti" in refused.content.decode()


def test_wrong_codes_count_towards_the_lockout(holder):
    delegate = make_delegate(holder)
    client = Client()
    wrong = f"{(int(totp_code(delegate.device)) + 500_000) % 1_000_000:06d}"
    for _ in range(5):
        client.post("/login/", {"username": delegate.email, "password": PASSWORD})
        client.post("/login/code/", {"code": wrong})
    locked = client.post("/login/", {"username": delegate.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert client.get("/").status_code == 302


def test_wrong_passwords_lock_the_address_as_for_a_mailbox(holder):
    delegate = make_delegate(holder)
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": delegate.email, "password": "sbagliata"})
    assert client.post("/login/", {"username": delegate.email, "password": PASSWORD}).status_code == 429


def test_a_delegated_user_cannot_open_the_admin(holder, client):
    delegate = make_delegate(holder)
    client.post("/admin/login/", {"username": delegate.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302


def test_a_delegated_user_sees_neither_the_users_nor_the_second_factor(holder, holder_client):
    delegate = make_delegate(holder, "amministrazione", email="tesoriere@example.it")
    assert 'data-testid="users-section"' in holder_client.get("/profile/").content.decode()
    client = log_in_delegate(Client(), delegate)
    page = client.get("/profile/")
    assert page.status_code == 200
    assert 'data-testid="users-section"' not in page.content.decode()
    assert client.get("/profile/second-factor/").status_code == 403


def test_another_holders_user_is_404_to_change_or_revoke(holder, holder_client):
    stranger = make_delegate(make_holder())
    assert holder_client.post(f"/profile/users/{stranger.pk}/revoke/").status_code == 404
    assert holder_client.post(f"/profile/users/{stranger.pk}/role/", {"role": "tecnico"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.revoked_at is None and stranger.role == "lettura"


def test_an_address_locked_meanwhile_refuses_even_the_right_code(holder):
    delegate = make_delegate(holder)
    client = Client()
    assert client.post("/login/", {"username": delegate.email, "password": PASSWORD})["Location"] == "/login/code/"
    guesser = Client()  # the same client address, another tab
    for _ in range(5):
        guesser.post("/login/", {"username": delegate.email, "password": "sbagliata"})
    response = client.post("/login/code/", {"code": totp_code(delegate.device)})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_operations_built_in_batches_also_name_the_user(holder):
    """Services that build Operation objects for bulk_create (the bulk renewal, orders) get the
    actor from the model's default while a delegated user's view runs."""
    from accounts.actor import acting_as

    with acting_as("tesoriere@example.it"):
        Operation.objects.bulk_create([Operation(holder=holder, kind=Operation.Kind.RENEWAL, description="x")])
    Operation.objects.create(holder=holder, kind=Operation.Kind.RENEWAL, description="y")
    assert dict(holder.operations.values_list("description", "actor")) == {"x": "tesoriere@example.it", "y": ""}
