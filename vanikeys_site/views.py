"""Site-wide pages that belong to no single app, or that show several: the project layer
sits above the apps, so it may use any of them while they stay independent."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from jobs import selectors as job_selectors
from jobs.presenters import job_history_views
from patterns.engine import FORMATS, FUZZY_GROUPS
from pulls import selectors as pull_selectors
from pulls.forms import HistoryFilterForm
from pulls.presenters import PullView

HISTORY_PULLS_SHOWN = 500
HISTORY_JOBS_SHOWN = 100


class HowItWorksView(TemplateView):
    template_name = "how_it_works.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(fuzzy_groups=FUZZY_GROUPS, formats=FORMATS.values(), **kwargs)


@login_required
@require_GET
def history_page(request: HttpRequest) -> HttpResponse:
    """/history: the user's guaranteed jobs, then their pulls (filtered), newest first; the
    exports have every pull."""
    filters = HistoryFilterForm.filters_from(request.GET)
    pulls = pull_selectors.history(request.user, **filters)
    jobs = job_selectors.job_history(request.user)[:HISTORY_JOBS_SHOWN]
    return render(request, "pulls/history.html", {
        "pulls": [PullView(pull) for pull in pulls[:HISTORY_PULLS_SHOWN]], "pulls_total": pulls.count(),
        "filters": filters, "jobs": job_history_views(list(jobs)),
    })
