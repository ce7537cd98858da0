"""Template context: this deployment's product numbers, so templates hold no rules."""
from django.conf import settings
from django.http import HttpRequest

from payments.selectors import purchases_enabled


def product(request: HttpRequest) -> dict[str, int | bool]:
    return {
        "pull_cost": settings.PULL_COST_TOKENS,
        "multi_pull_count": settings.MULTI_PULL_COUNT,
        "multi_pull_cost": settings.MULTI_PULL_COUNT * settings.PULL_COST_TOKENS,
        "free_pulls_per_day": settings.FREE_PULLS_PER_DAY,
        "unkept_key_ttl_hours": settings.UNKEPT_KEY_TTL_HOURS,
        "pull_budget_keys": settings.PULL_BUDGET_KEYS,
        "purchases_enabled": purchases_enabled(),
    }
