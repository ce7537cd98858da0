"""Pull pages: start from the /app form, the live panel, the reveal, key custody, history."""
import csv
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from patterns.forms import PatternForm

from . import selectors, services
from .forms import HistoryFilterForm
from .presenters import PullView, key_files

HISTORY_EXPORT_FIELDS = ["number", "created_at", "pattern", "format", "status", "address", "score", "n", "jackpot", "missing", "bonus"]


def render_panel(request: HttpRequest, pulls: list) -> HttpResponse:
    return render(request, "pulls/_panel.html", {**panel_context(pulls), "pull_cost": settings.PULL_COST_TOKENS})


def panel_context(pulls: list) -> dict:
    views = [PullView(pull) for pull in pulls]
    return {"pulls": views, "lead": views[0], "polling": any(not view.finished for view in views)}


@login_required
@require_POST
def pull_create(request: HttpRequest) -> HttpResponse:
    form = PatternForm(request.POST)
    count = 10 if request.POST.get("count") == "10" else 1
    error = None
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        error = services.PullRefused(400, "bad_request", f"{field}: {messages[0]}")
    else:
        try:
            pulls = services.request_pulls(user=request.user, spec=form.to_spec(), count=count)
        except services.PullRefused as exc:
            error = exc
    if error is not None:
        template = "pulls/_refused.html" if request.htmx else "pulls/refused.html"
        return render(request, template, {"error": error, "form": form}, status=200 if request.htmx else error.status)
    if request.htmx:
        return render_panel(request, pulls)
    return redirect("pull_page", pull_id=pulls[0].pk)


@login_required
@require_GET
def pull_page(request: HttpRequest, pull_id: int) -> HttpResponse:
    pull = selectors.pull_for_owner(request.user, pull_id)
    pulls = selectors.batch_for_owner(request.user, pull.batch) if pull.batch else [pull]
    return render(request, "pulls/pull.html", panel_context(pulls))


@login_required
@require_GET
def pull_panel(request: HttpRequest, pull_id: int) -> HttpResponse:
    pull = selectors.pull_for_owner(request.user, pull_id)
    pulls = selectors.batch_for_owner(request.user, pull.batch) if pull.batch else [pull]
    return render_panel(request, pulls)


@never_cache
@login_required
@require_GET
def key_reveal(request: HttpRequest, pull_id: int) -> HttpResponse:
    pull, files = selectors.key_files_for_owner(request.user, pull_id)
    return render(request, "pulls/_key.html", {"pull": PullView(pull), "files": key_files(files)})


@never_cache
@login_required
@require_GET
def key_download(request: HttpRequest, pull_id: int, filename: str) -> HttpResponse:
    pull, files = selectors.key_files_for_owner(request.user, pull_id)
    if filename not in files:
        return HttpResponse("No such file for this key.", status=404, content_type="text/plain")
    response = HttpResponse(files[filename], content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def owner_action(action):
    """A POST-only owner action on one pull that answers with the refreshed panel."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pull_id: int) -> HttpResponse:
        pull = action(request.user, pull_id)
        if request.htmx:
            return render(request, "pulls/_result.html", {"pull": PullView(pull)})
        return redirect("pull_page", pull_id=pull.pk)

    view.__name__ = action.__name__
    return view


keep_key = owner_action(services.keep_key)
erase_key = owner_action(services.erase_key)
share = owner_action(services.share)
unshare = owner_action(services.unshare)


@require_GET
def shared_page(request: HttpRequest, share_token: str) -> HttpResponse:
    pull = selectors.shared_pull(share_token)
    return render(request, "pulls/shared.html", {"pull": PullView(pull)})


def history_filters(request: HttpRequest) -> dict:
    """?min_score= and ?jackpot= from the query string; values that don't parse are ignored."""
    form = HistoryFilterForm(request.GET)
    form.is_valid()
    filters = {}
    if form.cleaned_data.get("min_score") is not None:
        filters["min_score"] = form.cleaned_data["min_score"]
    if form.cleaned_data.get("jackpot"):
        filters["jackpot"] = True
    return filters


@login_required
@require_GET
def history_page(request: HttpRequest) -> HttpResponse:
    filters = history_filters(request)
    pulls = selectors.history(request.user, **filters)[:500]
    return render(request, "pulls/history.html", {"pulls": [PullView(p) for p in pulls], "filters": filters})


@login_required
@require_GET
def history_export(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.pull_as_dict(pull) for pull in selectors.history(request.user, **history_filters(request))]
    if fmt == "json":
        response = JsonResponse({"pulls": rows}, json_dumps_params={"indent": 2})
    else:
        response = HttpResponse(content_type="text/csv")
        writer = csv.writer(response)
        writer.writerow(HISTORY_EXPORT_FIELDS)
        for row in rows:
            writer.writerow(export_row(row))
    response["Content-Disposition"] = f'attachment; filename="vanikeys-history.{fmt}"'
    return response


def export_row(row: dict) -> list:
    result = row["result"] or {}
    flat = {**row, **row["pattern"], **result}
    return [
        json.dumps(flat[field]) if isinstance(flat.get(field), list) else flat.get(field, "")
        for field in HISTORY_EXPORT_FIELDS
    ]
