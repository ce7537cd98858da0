"""Site-wide pages that belong to no single app."""
from django.views.generic import TemplateView

from patterns.engine import FORMATS, FUZZY_GROUPS


class LandingView(TemplateView):
    template_name = "landing.html"


class HowItWorksView(TemplateView):
    template_name = "how_it_works.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(fuzzy_groups=FUZZY_GROUPS, formats=FORMATS.values(), **kwargs)
