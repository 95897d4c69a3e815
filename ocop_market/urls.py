"""URL configuration: Oscar's storefront and dashboard, the OCOP plugin, language switching."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dashboard/ocop/", include("plugins.ocop.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if not settings.AWS_STORAGE_BUCKET_NAME:
    # Media on local disk is served by Django itself on the embedded default; in production
    # media lives on S3 and is served from there.
    urlpatterns.insert(
        0,
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    )
