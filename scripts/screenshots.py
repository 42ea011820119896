"""Writes the README's screenshots of the dashboard, from the demo data, so they show the portal as
it is: docs/dashboard.png (desktop, 1280 px) and docs/dashboard-phone.png (phone, 390 px).

    .venv/bin/python scripts/screenshots.py

Like scripts/run.sh, it loads seed_demo into an SQLite database, here a throwaway one, serves it
with runserver on a free port and logs in as the demo holder in Debian's Chromium."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DEMO_ADDRESS = "mario.rossi@pec.ording.roma.it"
DEMO_PASSWORD = "Rossi-Pec-2026!"
SHOTS = [("dashboard.png", {"width": 1280, "height": 800}), ("dashboard-phone.png", {"width": 390, "height": 844})]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_environment(workdir):
    # Only the embedded demo's defaults: nothing from the shell may point it at a real service.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "REDIS_", "STRIPE_", "EMAIL_", "CELERY_", "SENTRY_"))}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{workdir}/demo.sqlite3", EMAIL_URL=f"filemail://{workdir}/mail")
    return env


def manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def wait_until_up(url, server):
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("runserver did not answer in 30 s")


def take(url):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for name, viewport in SHOTS:
                context = browser.new_context(base_url=url, viewport=viewport, locale="it-IT")
                page = context.new_page()
                page.goto("/login/")
                page.fill("input[name=username]", DEMO_ADDRESS)
                page.fill("input[name=password]", DEMO_PASSWORD)
                with page.expect_navigation():
                    page.click("form[action='/login/'] button[type=submit]")
                page.screenshot(path=ROOT / "docs" / name, full_page=True)
                context.close()
                print(f"docs/{name}")
        finally:
            browser.close()


def main():
    with tempfile.TemporaryDirectory(prefix="pec-screenshots-") as workdir:
        env = demo_environment(workdir)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo", "--password", DEMO_PASSWORD, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{free_port()}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", url.removeprefix("http://")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url, server)
            take(url)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
