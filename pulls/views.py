"""Pull pages: start from the /app form, the live panel, the reveal, key custody, history."""
import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from core.ratelimits import rate_limit
from patterns.forms import PatternForm
from patterns.views import key_file_views

from . import selectors, services
from .forms import HistoryFilterForm
from .presenters import HISTORY_EXPORT_FIELDS, BatchView, PullView, export_row


def render_panel(request: HttpRequest, pulls: list) -> HttpResponse:
    return render(request, "pulls/_panel.html", panel_context(pulls))


def panel_context(pulls: list) -> dict:
    return BatchView(pulls).context()


def start_pulls(request: HttpRequest, form: PatternForm) -> list:
    """The pulls the form asks for; any refusal is an ApplicationError."""
    spec = form.spec_or_raise()
    rate_limit(request, group="pulls", rate=settings.THROTTLE_PULL_RATE, what="pulls")
    count = settings.MULTI_PULL_COUNT if request.POST.get("count") == str(settings.MULTI_PULL_COUNT) else 1
    return services.pull_start(request.user, spec=spec, count=count)


@login_required
@require_POST
def pull_create(request: HttpRequest) -> HttpResponse:
    """The refusal shows in place of the result (htmx) or as a page, next to the form."""
    form = PatternForm(request.POST)
    try:
        pulls = start_pulls(request, form)
    except ApplicationError as error:
        template = "pulls/_refused.html" if request.htmx else "pulls/refused.html"
        return render(request, template, {"error": error, "form": form}, status=200 if request.htmx else error.status)
    if request.htmx:
        return render_panel(request, pulls)
    return redirect("pull_page", public_id=pulls[0].public_id)


@login_required
@require_GET
def pull_page(request: HttpRequest, public_id) -> HttpResponse:
    return render(request, "pulls/pull.html", panel_context(selectors.batch_of_pull(request.user, public_id)))


@login_required
@require_GET
def pull_panel(request: HttpRequest, public_id) -> HttpResponse:
    return render_panel(request, selectors.batch_of_pull(request.user, public_id))


key_reveal, key_download = key_file_views(selectors.key_files_for_owner, download_view="pull_key_download")


def owner_action(action):
    """A POST-only owner action on one pull that answers with the refreshed panel."""

    @login_required
    @require_POST
    def view(request: HttpRequest, public_id) -> HttpResponse:
        pull = action(request.user, public_id=public_id)
        if request.htmx:  # a tile of a 10× pull stays a tile (and the best one says so)
            tile = request.POST.get("tile")
            context = {"pull": PullView(pull), "tile": tile in ("1", "best"), "best_tile": tile == "best"}
            return render(request, "pulls/_result.html", context)
        return redirect("pull_page", public_id=pull.public_id)

    view.__name__ = action.__name__
    return view


keep_key = owner_action(services.pull_keep_key)
erase_key = owner_action(services.pull_erase_key)
share = owner_action(services.pull_share)
unshare = owner_action(services.pull_unshare)


@require_GET
def shared_page(request: HttpRequest, share_token: str) -> HttpResponse:
    pull = selectors.shared_pull(share_token)
    return render(request, "pulls/shared.html", {"pull": PullView(pull)})


@login_required
@require_GET
def history_export(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.pull_as_dict(pull) for pull in selectors.history(request.user, **HistoryFilterForm.filters_from(request.GET))]
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
