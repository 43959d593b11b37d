"""`python -m bot new-intent NAME --slot NAME:TYPE ...` (being written)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: Any, which: argparse.ArgumentParser) -> None:
    scaffold = commands.add_parser("new-intent", parents=[which], help="scaffold an intent")
    scaffold.add_argument("name")
    scaffold.add_argument("--slot", action="append", default=[], metavar="NAME:TYPE")


def run(args: argparse.Namespace) -> int:
    raise SystemExit("new-intent is not available yet")
