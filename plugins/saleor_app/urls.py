"""The app's public endpoints for Saleor (``/saleor/…``) and its dashboard pages
(``/dashboard/saleor/…``), mounted in ``ocop_market/urls.py`` ahead of Oscar's."""

from django.urls import path

from . import views

app_name = "saleor_app"

urlpatterns = [
    path("saleor/manifest/", views.ManifestView.as_view(), name="manifest"),
    path("saleor/register/", views.RegisterView.as_view(), name="register"),
    path("saleor/webhooks/", views.WebhookView.as_view(), name="webhooks"),
    path("saleor/app/", views.AppPageView.as_view(), name="app"),
    path("dashboard/saleor/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/saleor/allow/", views.AllowView.as_view(), name="allow"),
    path(
        "dashboard/saleor/allow/<int:pk>/remove/",
        views.AllowRemoveView.as_view(),
        name="allow-remove",
    ),
    path("dashboard/saleor/publish/", views.PublishView.as_view(), name="publish"),
    path(
        "dashboard/saleor/connections/<int:pk>/disconnect/",
        views.DisconnectView.as_view(),
        name="disconnect",
    ),
    path("dashboard/saleor/runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
]
