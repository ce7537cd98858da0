"""JSON endpoints for pulls (PRODUCT.md §9); owner-only, anything else is 404."""
from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from pydantic import Field

from patterns.schemas import PatternIn
from vanikeys_site.api import ApiError, PageQuery, paginate

from . import selectors, services

router = Router(tags=["pulls"])


class ExecuteIn(PatternIn):
    count: int = Field(default=1, description="1 for a pull, 10 for a 10× pull (one debit).")


class HistoryQuery(PageQuery):
    min_score: int | None = Field(default=None, ge=0, le=8)
    jackpot: bool | None = None


@router.post("execute", response={202: dict})
def execute(request: HttpRequest, payload: ExecuteIn):
    try:
        pulls = services.request_pulls(user=request.auth, spec=payload.to_spec(), count=payload.count)
    except services.PullRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from exc
    first = pulls[0]
    return Status(202, {"id": first.pk, "status": first.status, "ids": [pull.pk for pull in pulls], "batch": first.batch})


@router.get("history")
def history(request: HttpRequest, filters: Query[HistoryQuery]) -> dict:
    pulls = selectors.history(request.auth, min_score=filters.min_score, jackpot=filters.jackpot)
    return paginate(pulls, filters, selectors.pull_as_dict)


@router.get("{int:pull_id}")
def detail(request: HttpRequest, pull_id: int) -> dict:
    return selectors.pull_as_dict(selectors.pull_for_owner(request.auth, pull_id))


@router.get("{int:pull_id}/key")
@decorate_view(never_cache)
def private_key(request: HttpRequest, pull_id: int) -> dict:
    pull, exports = selectors.private_key_for_owner(request.auth, pull_id)
    return {"id": pull.pk, "address": pull.address, "format": pull.format, "private_key": exports}


@router.delete("{int:pull_id}/key", response={204: None})
def erase_key(request: HttpRequest, pull_id: int):
    services.erase_key(request.auth, pull_id)
    return Status(204, None)


@router.post("{int:pull_id}/keep")
def keep(request: HttpRequest, pull_id: int) -> dict:
    return selectors.pull_as_dict(services.keep_key(request.auth, pull_id))


@router.post("{int:pull_id}/share")
def share(request: HttpRequest, pull_id: int) -> dict:
    pull = services.share(request.auth, pull_id)
    return {"id": pull.pk, "share_url": request.build_absolute_uri(f"/s/{pull.share_token}")}


@router.delete("{int:pull_id}/share", response={204: None})
def unshare(request: HttpRequest, pull_id: int):
    services.unshare(request.auth, pull_id)
    return Status(204, None)
