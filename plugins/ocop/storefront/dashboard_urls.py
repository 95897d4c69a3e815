"""Dashboard URLs of the storefront's trust features; included into the ``ocop`` namespace by
``plugins.ocop.urls`` (under ``/dashboard/ocop/``)."""

from django.urls import path

from . import dashboard

urlpatterns = [
    path("qr/<int:pk>/", dashboard.QrSheetView.as_view(), name="qr-sheet"),
    path("counterfeit/", dashboard.CounterfeitListView.as_view(), name="counterfeit-list"),
    path(
        "counterfeit/<int:pk>/",
        dashboard.CounterfeitDetailView.as_view(),
        name="counterfeit-detail",
    ),
    path(
        "counterfeit/<int:pk>/photo/",
        dashboard.CounterfeitPhotoView.as_view(),
        name="counterfeit-photo",
    ),
]
