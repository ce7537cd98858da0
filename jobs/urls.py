from django.urls import include, path

from . import views

one_job = [  # below /jobs/<public id>/
    path("panel", views.job_panel, name="job_panel"),
    path("cancel", views.job_cancel, name="job_cancel"),
    path("key", views.key_reveal, name="job_key"),
    path("key/<str:filename>", views.key_download, name="job_key_download"),
    path("erase", views.erase_key, name="job_erase"),
]

urlpatterns = [
    path("app/guaranteed/offer", views.job_offer, name="job_offer"),
    path("app/guaranteed", views.job_confirm, name="job_confirm"),
    path("app/spark", views.spark_convert, name="spark_convert"),
    path("app/spark/pulls/<uuid:public_id>", views.pull_spark, name="pull_spark"),
    path("jobs/create", views.job_create, name="job_create"),
    path("jobs/<uuid:public_id>", views.job_page, name="job_page"),
    path("jobs/<uuid:public_id>/", include(one_job)),
]
