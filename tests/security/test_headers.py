import pytest

from tests.security.production import manage, production_get

STRIPE_ORIGINS = ("https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com")


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = directives(client.get("/login/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_only_the_top_up_pages_allow_stripe(holder_client, settings):
    settings.STRIPE_API_BASE = ""
    topup = directives(holder_client.get("/credit/topup/"))
    assert topup["script-src"] == ["'self'", "https://js.stripe.com"]
    assert topup["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert topup["frame-src"] == ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]
    for path in ("/", "/mailboxes/", "/operations/", "/profile/"):
        policy = holder_client.get(path)["Content-Security-Policy"]
        assert not any(origin in policy for origin in STRIPE_ORIGINS), path


def test_a_local_stripe_stand_in_replaces_stripes_origins(holder_client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    response = holder_client.get("/credit/topup/")
    policy = directives(response)
    for directive in ("script-src", "connect-src", "frame-src"):
        assert policy[directive] == ["'self'", "http://127.0.0.1:8420"]
    assert not any(origin in response["Content-Security-Policy"] for origin in STRIPE_ORIGINS)
    assert "127.0.0.1:8420" not in holder_client.get("/")["Content-Security-Policy"]


def test_the_deploy_check_passes_with_debug_off():
    done = manage("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_pages_carry_hsts_and_secure_cookies():
    response = production_get("/login/")
    headers = response["headers"]
    assert response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert response["cookies"]["csrftoken"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_production_sends_plain_http_to_https():
    response = production_get("/login/", secure=False)
    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://testserver/login/"


@pytest.mark.parametrize("proxies, status", [(0, 301), (1, 200)])
def test_the_forwarded_proto_header_counts_only_behind_a_declared_proxy(proxies, status):
    response = production_get("/login/", secure=False, headers={"X-Forwarded-Proto": "https"},
                              TRUSTED_PROXY_COUNT=str(proxies))
    assert response["status"] == status
