from django.urls import path

from . import views

urlpatterns = [
    path("pricing", views.pricing, name="pricing"),
    path("pricing/checkout", views.checkout, name="purchase_checkout"),
    path("pricing/success", views.success, name="purchase_success"),
    path("pricing/cancel", views.cancel, name="purchase_cancel"),
    path("pricing/purchases/<str:purchase_id>/status", views.purchase_status, name="purchase_status"),
]
