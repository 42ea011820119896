import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiToken
from tests.api.conftest import ApiClient


def test_the_command_prints_a_working_key(mailbox):
    out = io.StringIO()
    call_command("api_token", "create", "--holder", mailbox.address.upper(), "--name", "demo", "--scope",
                 "read+orders", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.holder_id, token.scope, token.name) == (mailbox.holder_id, "read+orders", "demo")
    assert ApiClient(key).get("/api/v1/mailboxes/").json()["results"][0]["address"] == mailbox.address


def test_the_command_refuses_an_unknown_address_or_an_empty_name(mailbox):
    with pytest.raises(CommandError):
        call_command("api_token", "create", "--holder", "nessuno@pec.example.it", "--name", "x")
    with pytest.raises(CommandError):
        call_command("api_token", "create", "--holder", mailbox.address, "--name", " ")
    assert not ApiToken.objects.exists()
