"""Template context: the logged-in user's balance and free pulls, for the header."""
from django.http import HttpRequest

from . import selectors


def wallet(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    summary = selectors.wallet_summary(user)
    return {"balance": summary.balance, "free_pulls_left": summary.free_pulls_left}
