"""/app: the pattern form with live odds (htmx partial), usable without JavaScript; and the
reveal and downloads of a found key, which pulls and jobs share."""
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import RateLimited
from core.ratelimits import rate_limit
from economy import selectors as economy_selectors

from . import selectors
from .exceptions import InvalidPattern
from .forms import PatternForm
from .presenters import key_files


def odds_context(form: PatternForm) -> dict:
    """Validate the form's pattern and, when it is valid, its odds for one pull;
    ``pattern_blocked`` when the server would refuse to pull it."""
    if not form.is_bound:
        return {}
    if not form.is_valid():
        return {"form_errors": [error for errors in form.errors.values() for error in errors], "pattern_blocked": True}
    try:
        return {"odds": selectors.estimate(form.to_spec())}
    except InvalidPattern as exc:
        unique = list({issue.message: issue for issue in exc.issues}.values())  # one line per distinct problem
        return {"issues": unique, "pattern_blocked": True}


def page_context(request: HttpRequest, form: PatternForm) -> dict:
    """Everything /app and its odds partial show: the odds, and which pulls this user can pay for."""
    context = {"form": form, "smallest_pack_name": selectors.smallest_pack_name(), **limited_odds_context(request, form)}
    if request.user.is_authenticated:
        context["pulls"] = economy_selectors.pull_affordability(request.user, multi=settings.MULTI_PULL_COUNT)
    return context


def limited_odds_context(request: HttpRequest, form: PatternForm) -> dict:
    """Odds for the form, unless this client has asked for too many lately."""
    if form.is_bound:
        try:
            rate_limit(request, group="odds", rate=settings.THROTTLE_ODDS_RATE)
        except RateLimited as exc:
            return {"form_errors": [exc.message]}
    return odds_context(form)


@require_http_methods(["GET", "POST"])
def app_page(request: HttpRequest) -> HttpResponse:
    """GET ?pattern=… (a shareable link) or POST (the form without JavaScript) shows odds."""
    form = PatternForm(request.POST or request.GET or None)
    return render(request, "patterns/app.html", page_context(request, form))


@require_POST
def odds_partial(request: HttpRequest) -> HttpResponse:
    form = PatternForm(request.POST)
    return render(request, "patterns/_odds.html", {**page_context(request, form), "oob": True})


def key_file_views(files_for_owner: Callable, *, download_view: str) -> tuple[Callable, Callable]:
    """The reveal panel and the file downloads of a found key (a pull's or a job's):
    owner-only, never cached. ``files_for_owner(user, public_id)`` → filename → content."""

    @never_cache
    @login_required
    @require_GET
    def key_reveal(request: HttpRequest, public_id) -> HttpResponse:
        files = files_for_owner(request.user, public_id)
        return render(request, "patterns/_key.html", {"files": key_files(files, download_view=download_view, public_id=public_id)})

    @never_cache
    @login_required
    @require_GET
    def key_download(request: HttpRequest, public_id, filename: str) -> HttpResponse:
        files = files_for_owner(request.user, public_id)
        if filename not in files:
            return HttpResponse("No such file for this key.", status=404, content_type="text/plain")
        response = HttpResponse(files[filename], content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    return key_reveal, key_download
