"""Errors a user can act on: the CLI prints them as one line, the API as a JSON 4xx."""


class QAError(Exception):
    """Bad input or a data directory that is not usable as it stands."""

    code = "bad_request"


class IndexMissing(QAError):
    code = "index_missing"
