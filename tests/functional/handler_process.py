"""A long-lived handler process (like a warm Lambda container): one JSON event per stdin line,
one JSON response per line on the original stdout. Logs and metrics go to stderr."""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # EMF metrics and anything else printed stay off the protocol stream
    from bot.handler import get_app

    app = get_app()
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        out.write(json.dumps(app.handle(json.loads(line))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
