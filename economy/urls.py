from django.urls import path

from . import views

urlpatterns = [path("account/limits", views.update_limits, name="account_limits")]
