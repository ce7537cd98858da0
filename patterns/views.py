"""/app: the pattern form with live odds (htmx partial), usable without JavaScript."""
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import RateLimited
from core.ratelimits import rate_limit
from economy import selectors as economy_selectors

from . import selectors
from .exceptions import InvalidPattern
from .forms import PatternForm


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
        context["pulls"] = economy_selectors.pull_affordability(request.user)
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
