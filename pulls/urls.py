from django.urls import path, re_path

from . import views

urlpatterns = [
    path("app/pull", views.pull_create, name="pull_create"),
    path("pulls/<int:pull_id>", views.pull_page, name="pull_page"),
    path("pulls/<int:pull_id>/panel", views.pull_panel, name="pull_panel"),
    path("pulls/<int:pull_id>/key", views.key_reveal, name="pull_key"),
    path("pulls/<int:pull_id>/key/<str:filename>", views.key_download, name="pull_key_download"),
    path("pulls/<int:pull_id>/keep", views.keep_key, name="pull_keep"),
    path("pulls/<int:pull_id>/erase", views.erase_key, name="pull_erase"),
    path("pulls/<int:pull_id>/share", views.share, name="pull_share"),
    path("pulls/<int:pull_id>/unshare", views.unshare, name="pull_unshare"),
    path("s/<str:share_token>", views.shared_page, name="pull_shared"),
    path("history", views.history_page, name="history"),
    re_path(r"^history/export\.(?P<fmt>csv|json)$", views.history_export, name="history_export"),
]
