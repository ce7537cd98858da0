"""Guaranteed-job pages: the /app offer (price, figures, spark meter), the confirm step,
the live job page, cancel with its refund shown first, and the found key's custody.

Everything works without JavaScript: the offer's button posts the pattern form to the
confirm page, the job page refreshes itself (meta refresh in <noscript>) until the job
settles, and cancel has its own confirmation page. With htmx the offer follows typing,
the confirm step opens next to the form and the job panel polls itself.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError, BadRequest, RateLimited
from core.ratelimits import rate_limit
from economy import selectors as economy_selectors
from patterns.exceptions import InvalidPattern
from patterns.forms import PatternForm
from pulls.presenters import key_files

from . import selectors, services, spark
from .exceptions import GuaranteedNotOffered, JobInfeasible
from .presenters import JobView, QuoteView


def form_spec(form: PatternForm):
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise BadRequest(f"{field}: {messages[0]}")
    return form.to_spec()


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
        spec = form_spec(form)
        quote = selectors.job_quote(spec)
    except ApplicationError as error:
        return render_refused(request, error)
    balance = economy_selectors.balance(request.user)
    context = {"quote": QuoteView(quote), "balance": balance, "balance_after": balance - quote.price_tokens,
               "enough": balance >= quote.price_tokens}
    return render(request, "jobs/_confirm.html" if request.htmx else "jobs/confirm.html", context)


def redirect_to_job(request: HttpRequest, job) -> HttpResponse:
    url = reverse("job_page", args=[job.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def job_create(request: HttpRequest) -> HttpResponse:
    """Pay the confirmed price and start the job (a changed price is refused, nothing paid)."""
    form = PatternForm(request.POST)
    try:
        spec = form_spec(form)
        rate_limit(request, group="jobs", rate=settings.THROTTLE_PULL_RATE)
        job = services.job_create(request.user, spec=spec, price_tokens=confirmed_price(request))
    except ApplicationError as error:
        return render_refused(request, error)
    return redirect_to_job(request, job)


def confirmed_price(request: HttpRequest) -> int:
    value = request.POST.get("price_tokens", "")
    if not value.isdigit() or not 0 < int(value) <= 10**9:
        raise BadRequest("price_tokens: confirm the price shown before paying.")
    return int(value)


@login_required
@require_POST
def spark_convert(request: HttpRequest) -> HttpResponse:
    """One click on a full spark meter: a guaranteed job at no further cost, once."""
    form = PatternForm(request.POST)
    try:
        spec = form_spec(form)
        rate_limit(request, group="jobs", rate=settings.THROTTLE_PULL_RATE)
        job = services.job_create_from_spark(request.user, spec=spec)
    except ApplicationError as error:
        return render_refused(request, error)
    return redirect_to_job(request, job)


@login_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = JobView(selectors.job_for_owner(request.user, job_id))
    return render(request, "jobs/job.html", {"job": job})


@login_required
@require_GET
def job_panel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = JobView(selectors.job_for_owner(request.user, job_id))
    return render(request, "jobs/_panel.html", {"job": job})


@login_required
@require_http_methods(["GET", "POST"])
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    """GET: the refund a cancel gives now, and a confirm button. POST: cancel (twice is once)."""
    if request.method == "GET":
        job = JobView(selectors.job_for_owner(request.user, job_id))
        return render(request, "jobs/cancel.html", {"job": job})
    services.job_cancel(request.user, job_id=job_id)
    return redirect("job_page", job_id=job_id)


@never_cache
@login_required
@require_GET
def key_reveal(request: HttpRequest, job_id: int) -> HttpResponse:
    job, files = selectors.key_files_for_owner(request.user, job_id)
    return render(request, "jobs/_key.html", {"job": job, "files": key_files(files)})


@never_cache
@login_required
@require_GET
def key_download(request: HttpRequest, job_id: int, filename: str) -> HttpResponse:
    job, files = selectors.key_files_for_owner(request.user, job_id)
    if filename not in files:
        return HttpResponse("No such file for this key.", status=404, content_type="text/plain")
    response = HttpResponse(files[filename], content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def erase_key(request: HttpRequest, job_id: int) -> HttpResponse:
    job = services.job_erase_key(request.user, job_id=job_id)
    if request.htmx:
        return render(request, "jobs/_panel.html", {"job": JobView(job)})
    return redirect("job_page", job_id=job.pk)
