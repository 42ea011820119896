"""The web container's health check (docker-compose.yml): GET /healthz from inside the container.

It names a host the portal serves (the first of ALLOWED_HOSTS), since production answers 400 to
any other Host header, and uses the port gunicorn binds (GUNICORN_BIND, gunicorn.conf.py).
Standard library only: it runs every few seconds, so it does not load Django."""

import os
import sys
import urllib.request


def main():
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
    # ".example.it" and "*" are patterns: the bare domain matches the first, anything the second.
    host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip("*.") or "localhost"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=3):
            return 0
    except OSError as exc:  # refused, timed out, or an HTTP error status (503 names what is down)
        print(f"healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
