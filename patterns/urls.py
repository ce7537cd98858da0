from django.urls import path

from . import views

urlpatterns = [
    path("app", views.app_page, name="app"),
    path("app/odds", views.odds_partial, name="app_odds"),
]
