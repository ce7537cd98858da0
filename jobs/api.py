"""JSON endpoints for guaranteed jobs (PRODUCT.md §9); owner-only, anything else is 404."""
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Router, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from pydantic import Field

from core.api import Mapped, PagePagination
from core.ratelimits import rate_limit
from economy.services import MAX_TOKENS_PER_OPERATION
from patterns.schemas import PatternIn

from . import selectors, services, spark

router = Router(tags=["jobs"])


class JobCreateIn(PatternIn):
    pay_with: Literal["tokens", "spark"] = Field(
        default="tokens", description="tokens: pay the price now; spark: use this pattern's full spark meter."
    )
    price_tokens: int | None = Field(
        default=None, ge=1, le=MAX_TOKENS_PER_OPERATION,
        description="The price you were shown: when given and not the price now, nothing is charged (409).",
    )


def created(job) -> dict:
    return {**selectors.job_identity(job), "price_tokens": job.price_tokens, "expected_keys": job.expected_keys,
            "paid_with": job.paid_with}


@router.post("create", response={201: dict})
def create(request: HttpRequest, payload: JobCreateIn):
    """Pay and start a guaranteed job: 201; 402 too few tokens or a spending limit; 422 a
    regex, a pattern that can never match or one too hard for the pool (with suggestions)."""
    rate_limit(request, group="jobs", rate=settings.THROTTLE_PULL_RATE)
    spec = payload.to_spec()
    if payload.pay_with == "spark":
        job = services.job_create_from_spark(request.auth, spec=spec)
    else:
        job = services.job_create(request.auth, spec=spec, price_tokens=payload.price_tokens)
    return Status(201, created(job))


@router.post("quote")
def quote(request: HttpRequest, payload: PatternIn) -> dict:
    """What a guaranteed job for this pattern costs and how long it should take (nothing is
    paid), and this pattern's spark meter."""
    rate_limit(request, group="odds", rate=settings.THROTTLE_ODDS_RATE)
    spec = payload.to_spec()
    offer = selectors.job_quote(spec)
    meter = spark.spark_meter(request.auth, spec, key=offer.pattern_key, price_tokens=offer.price_tokens)
    return {**offer.as_dict(), "spark": meter.as_dict()}


@router.get("", response=list[dict])
@paginate(PagePagination)
def history(request: HttpRequest):
    return Mapped(selectors.job_history(request.auth), selectors.job_as_dict)


@router.get("{uuid:job_id}")
def detail(request: HttpRequest, job_id: UUID) -> dict:
    return selectors.job_as_dict(selectors.job_for_owner(request.auth, job_id))


@router.get("{uuid:job_id}/result")
@decorate_view(never_cache)
def result(request: HttpRequest, job_id: UUID) -> dict:
    return selectors.job_result_for_owner(request.auth, job_id)


@router.post("{uuid:job_id}/cancel")
def cancel(request: HttpRequest, job_id: UUID) -> dict:
    return selectors.job_as_dict(services.job_cancel(request.auth, public_id=job_id))


@router.delete("{uuid:job_id}/key", response={204: None})
def erase_key(request: HttpRequest, job_id: UUID):
    services.job_erase_key(request.auth, public_id=job_id)
    return Status(204, None)
