from django.urls import include, path, re_path

from . import views

one_pull = [  # below /pulls/<public id>/
    path("panel", views.pull_panel, name="pull_panel"),
    path("key", views.key_reveal, name="pull_key"),
    path("key/<str:filename>", views.key_download, name="pull_key_download"),
    path("keep", views.keep_key, name="pull_keep"),
    path("erase", views.erase_key, name="pull_erase"),
    path("share", views.share, name="pull_share"),
    path("unshare", views.unshare, name="pull_unshare"),
]

urlpatterns = [
    path("app/pull", views.pull_create, name="pull_create"),
    path("pulls/<uuid:public_id>", views.pull_page, name="pull_page"),
    path("pulls/<uuid:public_id>/", include(one_pull)),
    path("s/<str:share_token>", views.shared_page, name="pull_shared"),
    re_path(r"^history/export\.(?P<fmt>csv|json)$", views.history_export, name="history_export"),
]
