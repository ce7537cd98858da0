"""Guaranteed-job pages: the /app offer (price, figures, spark meter), the confirm step,
the live job page, cancel with its refund shown first, and the found key's custody.

Everything works without JavaScript: the offer's button posts the pattern form to the
confirm page, the job page refreshes itself (meta refresh in <noscript>) until the job
settles, and cancel has its own confirmation page. With htmx the offer follows typing,
the confirm step opens next to the form and the job panel polls itself.
"""
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError, BadRequest, RateLimited
from core.ratelimits import rate_limit
from economy import selectors as economy_selectors
from patterns.engine import PatternSpec
from patterns.exceptions import InvalidPattern
from patterns.forms import PatternForm
from patterns.views import key_file_views
from pulls import selectors as pull_selectors

from . import selectors, services, spark
from .exceptions import GuaranteedNotOffered, JobInfeasible
from .forms import ConfirmedPriceForm
from .models import Job
from .presenters import JobView, QuoteView


def offer_context(request: HttpRequest, form: PatternForm) -> dict:
    """The guaranteed offer for the form's pattern: the quote and spark meter, or why there
    is none (a pattern error is shown by the odds panel, so nothing here)."""
    if not form.is_bound or not form.is_valid():
        return {}
    spec = form.to_spec()
    try:
        quote = selectors.job_quote(spec)
    except InvalidPattern:
        return {}
    except (GuaranteedNotOffered, JobInfeasible) as refusal:
        return {"refusal": refusal, "suggestions": getattr(refusal, "suggestions", [])}
    context: dict = {"quote": QuoteView(quote)}
    if request.user.is_authenticated:
        context["meter"] = spark.spark_meter(request.user, spec, key=quote.pattern_key, price_tokens=quote.price_tokens)
    return context


@require_POST
def job_offer(request: HttpRequest) -> HttpResponse:
    """The htmx partial next to the Pull buttons on /app; it follows typing like the odds."""
    form = PatternForm(request.POST)
    try:
        rate_limit(request, group="job-offer", rate=settings.THROTTLE_ODDS_RATE)
    except RateLimited as exc:
        return render(request, "jobs/_offer.html", {"limited": exc})
    return render(request, "jobs/_offer.html", offer_context(request, form))


def render_refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    context = {"error": error, "suggestions": getattr(error, "suggestions", [])}
    if request.htmx:
        return render(request, "jobs/_refused.html", context)
    return render(request, "jobs/refused.html", context, status=error.status)


@login_required
@require_POST
def job_confirm(request: HttpRequest) -> HttpResponse:
    """The confirm step: the price, the figures and the balance after, before any token moves."""
    form = PatternForm(request.POST)
    try:
        rate_limit(request, group="job-offer", rate=settings.THROTTLE_ODDS_RATE)
        quote = selectors.job_quote(form.spec_or_raise())
    except ApplicationError as error:
        return render_refused(request, error)
    context = {"quote": QuoteView(quote),
               "wallet": economy_selectors.job_affordability(request.user, price_tokens=quote.price_tokens)}
    return render(request, "jobs/_confirm.html" if request.htmx else "jobs/confirm.html", context)


def start_job(request: HttpRequest, create: Callable[[PatternSpec], Job]) -> HttpResponse:
    """Start a job from the posted pattern form and go to its page; a refusal (nothing paid)
    is shown in place."""
    try:
        spec = PatternForm(request.POST).spec_or_raise()
        rate_limit(request, group="jobs", rate=settings.THROTTLE_PULL_RATE)
        job = create(spec)
    except ApplicationError as error:
        return render_refused(request, error)
    url = reverse("job_page", args=[job.public_id])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def job_create(request: HttpRequest) -> HttpResponse:
    """Pay the confirmed price and start the job (a changed price is refused, nothing paid)."""
    return start_job(
        request, lambda spec: services.job_create(request.user, spec=spec, price_tokens=confirmed_price(request))
    )


def confirmed_price(request: HttpRequest) -> int:
    form = ConfirmedPriceForm(request.POST)
    if not form.is_valid():
        raise BadRequest("price_tokens: confirm the price shown before paying.")
    return form.cleaned_data["price_tokens"]


@login_required
@require_POST
def spark_convert(request: HttpRequest) -> HttpResponse:
    """One click on a full spark meter: a guaranteed job at no further cost, once."""
    return start_job(request, lambda spec: services.job_create_from_spark(request.user, spec=spec))


@require_GET
def pull_spark(request: HttpRequest, public_id) -> HttpResponse:
    """The spark meter under a finished pull's result, which loads it (htmx) once shown;
    with it, the /app offer's meter moves too (out of band). Nothing (204) for a pattern
    without a guaranteed offer or a visitor not logged in; another user's pull is a 404."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    try:
        rate_limit(request, group="job-offer", rate=settings.THROTTLE_ODDS_RATE)
    except RateLimited:
        return HttpResponse(status=204)  # the meter is a nicety: leave it out rather than fail the panel
    pull = pull_selectors.pull_for_owner(request.user, public_id)
    meter = spark.spark_meter_for_pull(request.user, pull)
    if meter is None:
        return HttpResponse(status=204)
    context = {"meter": meter, "spec": PatternSpec.from_mapping(pull), "standalone": True, "oob": bool(request.htmx)}
    return render(request, "jobs/_spark.html", context)


@login_required
@require_GET
def job_page(request: HttpRequest, public_id) -> HttpResponse:
    job = JobView(selectors.job_for_owner(request.user, public_id))
    return render(request, "jobs/job.html", {"job": job})


@login_required
@require_GET
def job_panel(request: HttpRequest, public_id) -> HttpResponse:
    job = JobView(selectors.job_for_owner(request.user, public_id))
    return render(request, "jobs/_panel.html", {"job": job})


@login_required
@require_http_methods(["GET", "POST"])
def job_cancel(request: HttpRequest, public_id) -> HttpResponse:
    """GET: the refund a cancel gives now, and a confirm button. POST: cancel (twice is once)."""
    if request.method == "GET":
        job = JobView(selectors.job_for_owner(request.user, public_id))
        return render(request, "jobs/cancel.html", {"job": job})
    services.job_cancel(request.user, public_id=public_id)
    return redirect("job_page", public_id=public_id)


key_reveal, key_download = key_file_views(selectors.key_files_for_owner, download_view="job_key_download")


@login_required
@require_POST
def erase_key(request: HttpRequest, public_id) -> HttpResponse:
    job = services.job_erase_key(request.user, public_id=public_id)
    if request.htmx:
        return render(request, "jobs/_panel.html", {"job": JobView(job)})
    return redirect("job_page", public_id=job.public_id)
