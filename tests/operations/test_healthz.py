import socket
import time


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_reports_database_migrations_and_broker(client, db, settings):
    assert settings.REDIS_URL
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok", "broker": "ok"}


def test_an_unreachable_broker_makes_it_fail_with_json(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "database": "ok", "migrations": "ok",
                               "broker": "error: ConnectionError"}


def test_without_a_broker_it_checks_only_the_database(client, db, settings):
    settings.REDIS_URL = ""
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "migrations": "ok"}


def test_it_answers_quickly_when_the_broker_host_does_not_answer(client, db, settings):
    # A listening socket that never accepts: connect succeeds, PING never gets a reply.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get("/healthz")
    assert response.status_code == 503
    assert time.monotonic() - started < 3
    assert response.json()["broker"].startswith("error: ")
