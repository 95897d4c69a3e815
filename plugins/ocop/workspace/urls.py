"""URLs of the certificate pages; included into the ``ocop`` namespace by ``plugins.ocop.urls``
(under ``/dashboard/ocop/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("my-certificates/", views.MyCertificatesView.as_view(), name="my-certificates"),
    path("my-certificates/scans/<int:pk>/", views.MyScanView.as_view(), name="my-scan"),
    path(
        "my-certificates/requests/",
        views.MyChangeRequestsView.as_view(),
        name="my-change-requests",
    ),
    path(
        "my-certificates/requests/<int:pk>/",
        views.MyChangeRequestDetailView.as_view(),
        name="my-change-request",
    ),
    path(
        "certification-requests/",
        views.ChangeRequestListView.as_view(),
        name="change-request-list",
    ),
    path(
        "certification-requests/<int:pk>/",
        views.ChangeRequestReviewView.as_view(),
        name="change-request-detail",
    ),
    path("scans/<int:pk>/", views.ScanView.as_view(), name="scan"),
    path("files/private/<str:token>/", views.PrivateFileView.as_view(), name="private-file"),
]
