"""API authentication: bearer tokens for scripts, the session (with CSRF) for the browser.

Either way ``request.auth`` is the user.
"""
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .selectors import user_for_token


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionCsrfAuth(SessionAuth):
    """The logged-in browser session; unsafe methods must carry the CSRF token."""

    def __init__(self) -> None:
        super().__init__(csrf=True)
