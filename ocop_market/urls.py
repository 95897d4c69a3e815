"""URL configuration: Oscar's storefront and dashboard, the OCOP plugin, language switching."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from plugins.ocop.graphql.views import OcopGraphQLView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dashboard/ocop/", include("plugins.ocop.urls")),
    # Queries only; the report needs a session or a bearer token (see docs/api.md).
    path("graphql/", csrf_exempt(OcopGraphQLView.as_view(graphiql=True))),
    # Checkout and payments: Oscar's checkout paths with our views, the Stripe webhook.
    path("", include("plugins.payments.urls")),
    # The Saleor App connector: /saleor/… for Saleor stores, /dashboard/saleor/… for staff.
    path("", include("plugins.saleor_app.urls")),
    path("", include("plugins.ocop.storefront.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

#: Media folders that are never served publicly: uploaded lists and evidence are reached only
#: through the views that check who is asking.
PRIVATE_MEDIA_PREFIXES = (
    "ocop/imports/",
    "ocop/evidence/",
    "ocop/counterfeit/",
    "ocop/private/",
)


def serve_public_media(request, path):
    if path.lstrip("/").startswith(PRIVATE_MEDIA_PREFIXES):
        raise Http404(path)
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if not settings.AWS_STORAGE_BUCKET_NAME:
    # Media on local disk is served by Django itself on the embedded default; in production
    # media lives on S3 (private objects, signed URLs) and is served from there.
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.*)$", serve_public_media))
