"""Refusals of account actions, as application errors."""

from core.exceptions import ApplicationError, Conflict


class RegistrationRefused(ApplicationError):
    """Bad registration input (400); ``RegistrationConflict`` when the name or address is taken."""


class RegistrationConflict(Conflict):
    pass


class AmbiguousLogin(ApplicationError):
    """An e-mail address shared by several accounts: the caller must use the username."""

    code = "ambiguous_login"


class InvalidCredentials(ApplicationError):
    status, code = 401, "invalid_credentials"
