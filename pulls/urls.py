from django.urls import path, re_path

from . import views

urlpatterns = [
    path("app/pull", views.pull_create, name="pull_create"),
    path("pulls/<uuid:public_id>", views.pull_page, name="pull_page"),
    path("pulls/<uuid:public_id>/panel", views.pull_panel, name="pull_panel"),
    path("pulls/<uuid:public_id>/key", views.key_reveal, name="pull_key"),
    path("pulls/<uuid:public_id>/key/<str:filename>", views.key_download, name="pull_key_download"),
    path("pulls/<uuid:public_id>/keep", views.keep_key, name="pull_keep"),
    path("pulls/<uuid:public_id>/erase", views.erase_key, name="pull_erase"),
    path("pulls/<uuid:public_id>/share", views.share, name="pull_share"),
    path("pulls/<uuid:public_id>/unshare", views.unshare, name="pull_unshare"),
    path("s/<str:share_token>", views.shared_page, name="pull_shared"),
    path("history", views.history_page, name="history"),
    re_path(r"^history/export\.(?P<fmt>csv|json)$", views.history_export, name="history_export"),
]
