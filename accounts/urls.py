from django.urls import path
from django.views.generic import TemplateView

from . import views

urlpatterns = [
    path("terms", TemplateView.as_view(template_name="accounts/terms.html"), name="terms"),
    path("privacy", TemplateView.as_view(template_name="accounts/privacy.html"), name="privacy"),
    path("account", views.account, name="account"),
    path("account/api-tokens", views.create_api_token, name="account_api_token_create"),
    path("account/api-tokens/<uuid:public_id>/revoke", views.revoke_api_token, name="account_api_token_revoke"),
]
