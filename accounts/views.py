from django.views.generic import TemplateView


class TermsView(TemplateView):
    template_name = "accounts/terms.html"


class PrivacyView(TemplateView):
    template_name = "accounts/privacy.html"
