from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from . import views
from .api import api

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("how-it-works", views.HowItWorksView.as_view(), name="how_it_works"),
    path("history", views.history_page, name="history"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("patterns.urls")),
    path("", include("pulls.urls")),
    path("", include("jobs.urls")),
    path("", include("payments.urls")),
    path("", include("economy.urls")),
    path("", api.urls),
]
