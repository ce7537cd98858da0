"""JSON endpoints for patterns: validate and estimate (public: no login needed)."""
from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from core.ratelimits import rate_limit
from patterns.engine import validate as validate_pattern

from . import selectors
from .schemas import EstimateIn, PatternIn, ValidationOut

router = Router(tags=["patterns"], auth=None)


@router.post("validate", response=ValidationOut)
def validate(request: HttpRequest, payload: PatternIn):
    rate_limit(request, group="validate", rate=settings.THROTTLE_ODDS_RATE)
    issues = validate_pattern(payload.to_spec())
    return {"valid": not issues, "errors": [issue.as_dict() for issue in issues]}


@router.post("estimate")
def estimate(request: HttpRequest, payload: EstimateIn) -> dict:
    rate_limit(request, group="estimate", rate=settings.THROTTLE_ODDS_RATE)
    return selectors.estimate(payload.to_spec(), payload.budget)
