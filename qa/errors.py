"""Errors a user can act on: the CLI prints them as one line, the API as a JSON 4xx."""


class QAError(Exception):
    """Bad input or a data directory that is not usable as it stands.

    ``code`` names the kind of error for API clients; ``status`` is the HTTP status it maps to.
    """

    code = "bad_request"
    status = 400

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class IndexMissing(QAError):
    code = "index_missing"


class BackendFailed(QAError):
    """The Milvus server failed or went away: no fault of the request, so the API answers 503 (retry later)."""

    code = "milvus_unavailable"
    status = 503
