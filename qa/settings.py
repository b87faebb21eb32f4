"""Settings from the environment, read in this one place: every front end asks here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "QA_DATA_DIR"
MODEL_ENV = "QA_EMBEDDING_MODEL"
ADMIN_TOKEN_ENV = "QA_ADMIN_TOKEN"
DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    model: str | None  # None: the bundled default model
    admin_token: str | None  # None: document writes are switched off

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None, model: str | None = None,
                 admin_token: str | None = None) -> Settings:
        """Explicit values first, then the environment, then the defaults."""
        return cls(Path(data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR),
                   model or os.environ.get(MODEL_ENV) or None,
                   admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None)
