from django.urls import include, path

from . import views

app_name = "ocop"

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("", include("plugins.ocop.channels.urls")),
    path("", include("plugins.ocop.storefront.dashboard_urls")),
    path("", include("plugins.ocop.workspace.urls")),
]
