"""JSON endpoints for pulls (PRODUCT.md §9); owner-only, anything else is 404. A pull's
``id`` here is its public id (a UUID); the integer key never leaves the server."""
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from pydantic import Field, StrictInt

from core.api import Mapped, PagePagination
from core.ratelimits import rate_limit
from patterns.schemas import PatternIn

from . import selectors, services

router = Router(tags=["pulls"])


class ExecuteIn(PatternIn):
    count: StrictInt = Field(default=1, description="1 for a pull, 10 for a 10× pull (one debit).")


class HistoryQuery(Schema):
    min_score: int | None = Field(default=None, ge=0, le=8)
    jackpot: bool | None = None


@router.post("execute", response={202: dict})
def execute(request: HttpRequest, payload: ExecuteIn):
    rate_limit(request, group="pulls", rate=settings.THROTTLE_PULL_RATE, what="pulls")
    pulls = services.pull_start(request.auth, spec=payload.to_spec(), count=payload.count)
    first = pulls[0]
    return Status(
        202,
        {"id": str(first.public_id), "status": first.status, "ids": [str(pull.public_id) for pull in pulls],
         "batch": first.batch},
    )


@router.get("history", response=list[dict])
@paginate(PagePagination)
def history(request: HttpRequest, filters: Query[HistoryQuery]):
    pulls = selectors.history(request.auth, min_score=filters.min_score, jackpot=filters.jackpot)
    return Mapped(pulls, selectors.pull_as_dict)


@router.get("{uuid:pull_id}")
def detail(request: HttpRequest, pull_id: UUID) -> dict:
    return selectors.pull_as_dict(selectors.pull_for_owner(request.auth, pull_id))


@router.get("{uuid:pull_id}/key")
@decorate_view(never_cache)
def private_key(request: HttpRequest, pull_id: UUID) -> dict:
    pull, exports = selectors.private_key_for_owner(request.auth, pull_id)
    return {"id": str(pull.public_id), "address": pull.address, "format": pull.format, "private_key": exports}


@router.delete("{uuid:pull_id}/key", response={204: None})
def erase_key(request: HttpRequest, pull_id: UUID):
    services.pull_erase_key(request.auth, public_id=pull_id)
    return Status(204, None)


@router.post("{uuid:pull_id}/keep")
def keep(request: HttpRequest, pull_id: UUID) -> dict:
    return selectors.pull_as_dict(services.pull_keep_key(request.auth, public_id=pull_id))


@router.post("{uuid:pull_id}/share")
def share(request: HttpRequest, pull_id: UUID) -> dict:
    pull = services.pull_share(request.auth, public_id=pull_id)
    return {"id": str(pull.public_id), "share_url": request.build_absolute_uri(f"/s/{pull.share_token}")}


@router.delete("{uuid:pull_id}/share", response={204: None})
def unshare(request: HttpRequest, pull_id: UUID):
    services.pull_unshare(request.auth, public_id=pull_id)
    return Status(204, None)
