"""The app's endpoints for Saleor (manifest, token registration, webhooks, the app page) and
the department's dashboard pages. Thin views: the work is in ``registration``, ``signatures``,
``webhooks`` and ``publishing``."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, TemplateView

from .client import normalize_api_url
from .error_codes import SaleorErrorCode
from .forms import AllowApiUrlForm, PublishForm
from .manifest import base_url, build_manifest
from .models import AllowedSaleorApi, PublishRun, SaleorConnection
from .registration import RegistrationError, allow_api_url, disconnect_store, register_store
from .roles import MANAGE_PERMISSION
from .signatures import SignatureError, verify_signature
from .tasks import publish_task
from .webhooks import WebhookPayloadError, handle_webhook

logger = logging.getLogger(__name__)


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"success": False, "error": {"code": str(code), "message": message}}, status=status
    )


# For Saleor ---------------------------------------------------------------------------------


class ManifestView(View):
    """The manifest; readable from any origin, since the Saleor dashboard fetches it from
    the browser before installing."""

    def get(self, request: HttpRequest) -> JsonResponse:
        response = JsonResponse(build_manifest(request))
        response["Access-Control-Allow-Origin"] = "*"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class RegisterView(View):
    """``tokenTargetUrl``: Saleor POSTs ``{"auth_token": …}`` when the app is installed."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _error(
                SaleorErrorCode.INVALID_BODY, 'The body must be JSON: {"auth_token": "…"}.', 400
            )
        try:
            connection = register_store(
                api_url=request.headers.get("Saleor-Api-Url", ""),
                domain=request.headers.get("Saleor-Domain", ""),
                token=body.get("auth_token") or "",
                schema_version=request.headers.get("Saleor-Schema-Version", ""),
            )
        except RegistrationError as error:
            logger.warning(
                "Saleor app registration refused (%s) for %s",
                error.code,
                request.headers.get("Saleor-Api-Url", "?"),
            )
            return _error(error.code, error.message, error.status)
        return JsonResponse({"success": True, "domain": connection.domain})


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """The target of the order webhooks: store, then signature, then the event."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        api_url = request.headers.get("Saleor-Api-Url", "")
        try:
            api_url = normalize_api_url(api_url)
        except ValueError:
            api_url = ""
        connection = (
            SaleorConnection.objects.active()
            .select_related("channel")
            .filter(api_url=api_url)
            .first()
            if api_url
            else None
        )
        if connection is None:
            return _error(
                SaleorErrorCode.STORE_NOT_CONNECTED,
                "Saleor-Api-Url names no store connected to OCOP Market.",
                403,
            )
        try:
            verify_signature(connection, request.headers.get("Saleor-Signature", ""), request.body)
        except SignatureError as error:
            logger.warning("Saleor webhook from %s refused: %s", connection.domain, error.message)
            return _error(error.code, error.message, 401)
        try:
            outcome = handle_webhook(
                connection, event_header=request.headers.get("Saleor-Event", ""), body=request.body
            )
        except WebhookPayloadError as error:
            return _error(error.code, error.message, 400)
        return JsonResponse({"success": True, **outcome.as_dict()})


@method_decorator(xframe_options_exempt, name="dispatch")
class AppPageView(TemplateView):
    """``appUrl``: what the Saleor dashboard shows in a frame for this app."""

    template_name = "saleor_app/app.html"


# Dashboard ----------------------------------------------------------------------------------


class DepartmentMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = MANAGE_PERMISSION

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class DashboardView(DepartmentMixin, TemplateView):
    """Connected stores (never their tokens), the allow-list, publishing and its runs."""

    template_name = "saleor_app/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["connections"] = SaleorConnection.objects.select_related("channel").annotate(
            order_count=Count("orders", distinct=True),
            published_count=Count("published_products", distinct=True),
        )
        context["allowed"] = AllowedSaleorApi.objects.select_related("created_by")
        context["runs"] = PublishRun.objects.select_related("connection", "created_by")[:20]
        context["manifest_url"] = base_url(self.request) + reverse("saleor_app:manifest")
        context.setdefault("allow_form", AllowApiUrlForm())
        context.setdefault("publish_form", PublishForm())
        return context


class AllowView(DepartmentMixin, View):
    def post(self, request: HttpRequest):
        form = AllowApiUrlForm(request.POST)
        if not form.is_valid():
            view = DashboardView(request=request, args=(), kwargs={})
            context = view.get_context_data(allow_form=form)
            return view.render_to_response(context, status=400)
        allow_api_url(
            form.cleaned_data["api_url"], note=form.cleaned_data["note"], user=request.user
        )
        messages.success(
            request, _("%(url)s may now install the app.") % {"url": form.cleaned_data["api_url"]}
        )
        return redirect("saleor_app:dashboard")


class AllowRemoveView(DepartmentMixin, View):
    def post(self, request: HttpRequest, pk: int):
        allowed = get_object_or_404(AllowedSaleorApi, pk=pk)
        allowed.delete()
        messages.success(request, _("%(url)s removed from the allow-list.") % {"url": allowed})
        return redirect("saleor_app:dashboard")


class DisconnectView(DepartmentMixin, View):
    def post(self, request: HttpRequest, pk: int):
        connection = get_object_or_404(SaleorConnection, pk=pk)
        disconnect_store(connection)
        messages.success(
            request,
            _("%(store)s is disconnected: its webhooks are refused and its token is erased.")
            % {"store": connection},
        )
        return redirect("saleor_app:dashboard")


class PublishView(DepartmentMixin, View):
    def post(self, request: HttpRequest):
        form = PublishForm(request.POST)
        if not form.is_valid():
            view = DashboardView(request=request, args=(), kwargs={})
            context = view.get_context_data(publish_form=form)
            return view.render_to_response(context, status=400)
        run = PublishRun.objects.create(
            connection=form.cleaned_data["connection"],
            channel_slug=form.cleaned_data["channel_slug"],
            dry_run=form.cleaned_data["dry_run"],
            created_by=request.user,
        )
        transaction.on_commit(lambda: publish_task.delay(run.pk))
        return redirect("saleor_app:run-detail", pk=run.pk)


class RunDetailView(DepartmentMixin, DetailView):
    template_name = "saleor_app/run_detail.html"
    context_object_name = "run"

    def get_queryset(self):
        return PublishRun.objects.select_related("connection", "created_by")
