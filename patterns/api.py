"""JSON endpoints for patterns: validate and estimate (public: no login needed)."""
from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from patterns.engine import validate as validate_pattern
from vanikeys_site.api import ApiError, throttles

from . import selectors
from .schemas import EstimateIn, PatternIn, ValidationOut

router = Router(tags=["patterns"], auth=None)


def raise_invalid(exc: selectors.InvalidPattern) -> None:
    raise ApiError(exc.status, exc.code, str(exc)) from exc


@router.post("validate", response=ValidationOut, throttle=throttles(settings.THROTTLE_ODDS_RATE, "validate"))
def validate(request: HttpRequest, payload: PatternIn):
    issues = validate_pattern(payload.to_spec())
    return {"valid": not issues, "errors": [issue.as_dict() for issue in issues]}


@router.post("estimate", throttle=throttles(settings.THROTTLE_ODDS_RATE, "estimate"))
def estimate(request: HttpRequest, payload: EstimateIn) -> dict:
    try:
        return selectors.estimate(payload.to_spec(), payload.budget)
    except selectors.InvalidPattern as exc:
        raise_invalid(exc)
