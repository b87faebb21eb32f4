"""The `qa` command line and `qa eval`, built on the engine's front door."""

from qa.cli.main import main

__all__ = ["main"]
