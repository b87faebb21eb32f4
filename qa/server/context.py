"""What every blueprint reads from the app: the one engine of this process, and its settings."""

from __future__ import annotations

from flask import current_app

from qa.engine import QA
from qa.settings import Settings


def engine() -> QA:
    return current_app.extensions["qa"]


def settings() -> Settings:
    return current_app.extensions["settings"]
