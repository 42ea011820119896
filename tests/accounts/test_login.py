from accounts.models import User
from mailboxes.models import Mailbox
from tests.factories import PASSWORD, make_holder, make_mailbox

GENERIC_ERROR = "Indirizzo o password non corretti."


def test_it_logs_in_with_the_full_address_and_shows_the_header(client, mailbox):
    response = client.post("/login/", {"username": mailbox.address, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert "autenticato come:" in page
    assert "Titolare" in page
    assert mailbox.address in page
    assert "Logout" in page


def test_it_ignores_case_and_surrounding_spaces(client, mailbox):
    response = client.post("/login/", {"username": "  Mario.ROSSI@pec.ording.roma.it ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_gives_one_generic_message_for_wrong_password_and_unknown_address(client, mailbox):
    wrong_password = client.post("/login/", {"username": mailbox.address, "password": "nope"})
    unknown = client.post("/login/", {"username": "nobody@pec.example.it", "password": PASSWORD})
    assert GENERIC_ERROR in wrong_password.content.decode()
    assert GENERIC_ERROR in unknown.content.decode()
    assert client.get("/").status_code == 302


def test_a_terminated_mailbox_cannot_log_in(client, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(status=Mailbox.Status.TERMINATED)
    response = client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    assert GENERIC_ERROR in response.content.decode()


def test_it_locks_the_address_after_five_failures_from_one_client(client, mailbox):
    for _ in range(5):
        client.post("/login/", {"username": mailbox.address, "password": "wrong"})
    locked = client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Riprova tra 15 minuti" in locked.content.decode()
    assert client.get("/").status_code == 302


def test_the_lockout_is_per_address_and_client(client, mailbox):
    other = make_mailbox(mailbox.holder)
    for _ in range(5):
        client.post("/login/", {"username": mailbox.address, "password": "wrong"})
    assert client.post("/login/", {"username": other.address, "password": PASSWORD}).status_code == 302
    assert client.post("/login/", {"username": mailbox.address, "password": PASSWORD},
                       REMOTE_ADDR="10.9.9.9").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, mailbox):
    for n in range(5):
        client.post("/login/", {"username": mailbox.address, "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    locked = client.post("/login/", {"username": mailbox.address, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert locked.status_code == 429


def test_staff_cannot_use_the_holder_login(client, db):
    User.objects.create_user("operatore", password=PASSWORD, is_staff=True)
    response = client.post("/login/", {"username": "operatore", "password": PASSWORD})
    assert GENERIC_ERROR in response.content.decode()


def test_logging_in_with_any_mailbox_opens_the_same_holder(client, db):
    holder = make_holder()
    second = make_mailbox(holder)
    client.post("/login/", {"username": second.address, "password": PASSWORD})
    page = client.get("/").content.decode()
    assert second.address in page
    assert holder.full_name in page


def test_logout_ends_the_session(holder_client):
    holder_client.post("/logout/")
    assert holder_client.get("/").status_code == 302


def test_a_legacy_sha512_crypt_hash_logs_in_and_is_upgraded_to_argon2(client, mailbox):
    import crypt

    mailbox.password_hash = "sha512_crypt$" + crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
    mailbox.save()
    assert client.post("/login/", {"username": mailbox.address, "password": PASSWORD}).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password_hash.startswith("argon2$argon2id$")
