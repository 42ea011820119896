"""localstripe (a Stripe-compatible test server) on 127.0.0.1 only, keeping nothing on disk.

The stock ``localstripe`` command listens on every interface and pickles its store to a
/tmp file shared by all instances; the portal's embedded default and the tests need neither.
Run: ``python -m billing.localstripe_server [--port 8420]`` (or LOCALSTRIPE_PORT)."""

import argparse
import logging
import os

from aiohttp import web
from localstripe import server
from localstripe.resources import Store


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALSTRIPE_PORT", "8420")))
    args = parser.parse_args()
    Store.dump_to_disk = lambda self: None
    Store.try_load_from_disk = lambda self: None
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    web.run_app(server.app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
