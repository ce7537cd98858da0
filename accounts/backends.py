"""The one authentication backend: allauth's (username or e-mail), costing one password hash
per attempt whether or not the account exists, so timing tells nothing about which do.

allauth's own backend, given a login with an ``@`` as both ``username`` and ``email`` (what
its log-in form passes), checks the password of a matching account twice (once as "a
username that looks like an e-mail", once as the e-mail) but hashes only once for an unknown
address; Django's ``ModelBackend`` in front of it added one more hash for unknown usernames
only. Here the e-mail is tried once, and no other backend runs.
"""
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    def _authenticate(self, request, **credentials):
        if credentials.get("email") and credentials.get("email") == credentials.get("username"):
            credentials = {key: value for key, value in credentials.items() if key != "email"}
        return super()._authenticate(request, **credentials)
