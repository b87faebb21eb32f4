"""Write routes answer only to ``Authorization: Bearer <admin token>``.

The token comes from the settings (the app's ADMIN_TOKEN, or else the QA_ADMIN_TOKEN
environment variable). Without one, writes are switched off (403) rather than open to anyone; a missing or
wrong token is a 401. The comparison takes the same time wherever the strings differ.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import ParamSpec

from flask import Response, request

from qa.server.context import settings
from qa.server.payload import ApiError
from qa.settings import ADMIN_TOKEN_ENV

Params = ParamSpec("Params")


class Unauthorized(ApiError):
    """A 401 that tells the client which scheme to use."""

    def __init__(self, message: str) -> None:
        super().__init__(401, "unauthorized", message)


def require_admin() -> None:
    token = settings().admin_token
    if token is None:
        raise ApiError(403, "writes_disabled", f"document changes are disabled: no {ADMIN_TOKEN_ENV} is configured")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("this route needs an Authorization: Bearer <admin token> header")
    if not hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")):
        raise Unauthorized("the admin token is not valid")


def admin_only(view: Callable[Params, Response]) -> Callable[Params, Response]:
    """A view decorator: the admin token is checked before anything else, so that requests without
    it are turned away before they take a place in the write lane."""

    @functools.wraps(view)
    def checked(*args: Params.args, **kwargs: Params.kwargs) -> Response:
        require_admin()
        return view(*args, **kwargs)

    return checked
