from django.urls import path

from . import views

urlpatterns = [
    path("terms", views.TermsView.as_view(), name="terms"),
    path("privacy", views.PrivacyView.as_view(), name="privacy"),
    path("account", views.account, name="account"),
    path("account/api-tokens", views.create_api_token, name="account_api_token_create"),
    path("account/api-tokens/<uuid:public_id>/revoke", views.revoke_api_token, name="account_api_token_revoke"),
]
