"""API authentication: bearer tokens for scripts, the session (with CSRF) for the browser.

Either way ``request.auth`` is the user.
"""
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .selectors import active_token
from .services import token_mark_used


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = active_token(token)
        if api_token is None:
            return None
        token_mark_used(api_token)
        request.user = api_token.user
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The logged-in browser session; unsafe methods must carry the CSRF token."""

    def __init__(self) -> None:
        super().__init__(csrf=True)
