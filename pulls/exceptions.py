"""Refusals of pull actions, as application errors."""

from core.exceptions import BadRequest, NotFound


class PullNotFound(NotFound):
    """No such pull for this user: missing, someone else's, or its key is gone (all 404)."""


class BadPullCount(BadRequest):
    pass
