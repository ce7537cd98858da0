"""Every model is in the admin with search and filters, and its pages open for staff."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "economy", "pulls", "jobs", "payments"}


def our_model_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in OUR_APPS]


def test_every_model_of_ours_is_registered_with_search_and_filters():
    registered = {model._meta.label for model, _ in our_model_admins()}
    ours = {model._meta.label for app in OUR_APPS for model in apps.get_app_config(app).get_models()}
    assert ours <= registered, ours - registered
    for model, model_admin in our_model_admins():
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model


def test_changelists_open_and_search_for_staff(finished_pull, admin_client):
    pull = finished_pull()
    for model, _ in our_model_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "user"}).status_code == 200, url
    pulls = reverse("admin:pulls_pull_changelist")
    found = admin_client.get(pulls, {"q": str(pull.public_id)}).content.decode()
    assert f"/admin/pulls/pull/{pull.pk}/change/" in found  # by the id users quote
    assert "0 pulls" in admin_client.get(pulls, {"q": "no-such-pattern-anywhere"}).content.decode()
