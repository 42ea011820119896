"""One client address may fail 20 logins in 15 minutes across every address; then that client is
refused, even with the right password, while the holder still logs in from anywhere else."""

import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.operations.servers import free_port

ATTACKER = "203.0.113.66"
GENERIC_ERROR = "Indirizzo o password non corretti."
CLIENT_LOCKED = "Troppi tentativi di accesso non riusciti da questa connessione. Riprova tra 15 minuti."


def attempt(address, password, client_address=ATTACKER):
    return Client().post("/login/", {"username": address, "password": password}, REMOTE_ADDR=client_address)


def test_the_twenty_first_attempt_from_one_client_is_refused_even_with_the_right_password(mailbox):
    failures = [attempt(f"casella{n}@pec.example.it", "Sbagliata-1!") for n in range(20)]
    assert {response.status_code for response in failures} == {200}
    assert all(GENERIC_ERROR in response.content.decode() for response in failures)

    assert attempt("casella20@pec.example.it", "Sbagliata-1!").status_code == 429
    refused = attempt(mailbox.address, PASSWORD)
    assert refused.status_code == 429
    assert CLIENT_LOCKED in refused.content.decode()
    assert "sessionid" not in refused.cookies

    assert attempt(mailbox.address, PASSWORD, client_address="198.51.100.20").status_code == 302


def test_nineteen_failures_do_not_stop_the_right_password(mailbox):
    for n in range(19):
        attempt(f"casella{n}@pec.example.it", "Sbagliata-1!")
    assert attempt(mailbox.address, PASSWORD).status_code == 302


def test_failures_from_other_clients_do_not_add_up(mailbox):
    for n in range(25):
        attempt(mailbox.address if n % 5 else f"casella{n}@pec.example.it", "Sbagliata-1!", f"192.0.2.{n}")
    assert attempt(mailbox.address, PASSWORD, client_address="192.0.2.200").status_code == 302


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}


def test_with_redis_down_the_holder_logs_in_and_the_lockout_per_address_still_holds(cache_down, mailbox):
    assert attempt(mailbox.address, PASSWORD).status_code == 302
    for _ in range(5):
        attempt(mailbox.address, "Sbagliata-1!")
    locked = attempt(mailbox.address, PASSWORD)
    assert locked.status_code == 429
    assert "per questo indirizzo" in locked.content.decode()
