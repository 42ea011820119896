"""Production fails closed: with DEBUG unset the portal is in production, and it refuses to start
without every setting whose demo default would be unsafe there (pecportal/production.py)."""

import pytest

from pecportal.production import LOCALSTRIPE_VALUES, REQUIRED
from tests.security.production import manage


def refusal(**env):
    """``manage.py check`` with DEBUG unset and ``env`` on top of a complete production environment."""
    done = manage("check", DEBUG=None, **env)
    assert done.returncode != 0, done.stdout
    assert "ImproperlyConfigured: DEBUG is off (production) and the portal will not start" in done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_debug_unset_is_production_and_a_complete_environment_passes_the_deploy_check():
    done = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG=None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("name", REQUIRED)
def test_it_refuses_to_start_without_each_required_setting(name):
    message = refusal(**{name: None})
    assert f"{name} is not set" in message
    assert message.count(" is not set") == 1


def test_an_empty_value_counts_as_missing():
    assert "SECRET_KEY is not set" in refusal(SECRET_KEY="  ")


def test_one_message_names_every_missing_setting_at_once():
    message = refusal(**dict.fromkeys(REQUIRED))
    for name in REQUIRED:
        assert f"{name} is not set" in message
    assert "see .env.example" in message


@pytest.mark.parametrize("name, value", sorted(LOCALSTRIPE_VALUES.items()))
def test_it_refuses_localstripes_public_values(name, value):
    assert f"{name} is localstripe's public test value" in refusal(**{name: value})


@pytest.mark.parametrize("base", ["http://127.0.0.1:8420", "http://localhost:8420/", "http://[::1]:8420",
                                  "http://127.9.9.9"])
def test_it_refuses_a_stripe_api_on_this_machine(base):
    assert "STRIPE_API_BASE points at this machine" in refusal(STRIPE_API_BASE=base)


def test_an_explicit_proxy_count_of_zero_is_enough():
    done = manage("check", DEBUG=None, TRUSTED_PROXY_COUNT="0", STRIPE_API_BASE="https://api.stripe.com")
    assert done.returncode == 0, done.stderr
