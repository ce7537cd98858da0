from django.urls import path

from . import views

urlpatterns = [
    path("app/guaranteed/offer", views.job_offer, name="job_offer"),
    path("app/guaranteed", views.job_confirm, name="job_confirm"),
    path("app/spark", views.spark_convert, name="spark_convert"),
    path("jobs/create", views.job_create, name="job_create"),
    path("jobs/<int:job_id>", views.job_page, name="job_page"),
    path("jobs/<int:job_id>/panel", views.job_panel, name="job_panel"),
    path("jobs/<int:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/key", views.key_reveal, name="job_key"),
    path("jobs/<int:job_id>/key/<str:filename>", views.key_download, name="job_key_download"),
    path("jobs/<int:job_id>/erase", views.erase_key, name="job_erase"),
]
