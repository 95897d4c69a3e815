"""Dashboard pages behind the storefront's trust features (under ``/dashboard/ocop/``):

* the printable QR sheet of a producer's products, for the producer's own users and staff;
* the counterfeit reports shoppers send from traceability pages, for department staff (the
  Sở Công Thương role, or superusers), who move each one along with a note.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from ..models import CounterfeitReport, Producer, local_today
from .counterfeit import ReportHandlingForm
from .pages import certification_of
from .qr import qr_svg_inline, trace_url

VIEW_REPORTS = "ocop.view_counterfeitreport"
CHANGE_REPORTS = "ocop.change_counterfeitreport"


class QrSheetView(LoginRequiredMixin, TemplateView):
    """One printable page with a QR stamp per product of a producer (in trang tem QR).

    Staff may print any producer's sheet; a producer's own users (its Oscar partner's users)
    print theirs; anyone else signed in gets 403."""

    template_name = "ocop/store/qr_sheet.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.producer = get_object_or_404(
            Producer.objects.select_related("partner"), pk=kwargs["pk"]
        )
        if not (
            request.user.is_staff or self.producer.partner.users.filter(pk=request.user.pk).exists()
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        products = list(
            self.producer.products.select_related("current_certificate").order_by("name", "id")
        )
        for ocop in products:
            ocop.certification = certification_of(ocop, today)
            ocop.trace_url = trace_url(self.request, ocop.pk)
            ocop.qr_svg = qr_svg_inline(ocop.trace_url)
        context.update(producer=self.producer, products=products, today=today)
        return context


class ReportsPage(LoginRequiredMixin, PermissionRequiredMixin):
    """Department staff pages: anonymous users go to the login page, signed-in users without
    the permission get 403."""

    permission_required = VIEW_REPORTS

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()


class CounterfeitListView(ReportsPage, ListView):
    template_name = "ocop/store/dashboard/counterfeit_list.html"
    context_object_name = "reports"
    paginate_by = 25

    def get_queryset(self):
        queryset = CounterfeitReport.objects.select_related(
            "product__producer", "handled_by"
        ).order_by("-created_at", "-id")
        self.state = self.request.GET.get("state", "")
        if self.state in CounterfeitReport.State.values:
            queryset = queryset.filter(state=self.state)
        else:
            self.state = ""
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(state=self.state, states=CounterfeitReport.State.choices)
        return context


class CounterfeitDetailView(ReportsPage, DetailView):
    template_name = "ocop/store/dashboard/counterfeit_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return CounterfeitReport.objects.select_related(
            "product__producer", "product__current_certificate", "product__product", "handled_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        report.product.certification = certification_of(report.product, local_today())
        context.setdefault("form", ReportHandlingForm(instance=report))
        context["can_change"] = self.request.user.has_perm(CHANGE_REPORTS)
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_REPORTS):
            raise PermissionDenied
        self.object = self.get_object()
        form = ReportHandlingForm(request.POST, instance=self.object)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        report = form.save(commit=False)
        report.handled_by = request.user
        report.save(update_fields=["state", "staff_note", "handled_by"])
        messages.success(request, _("The report has been updated."))
        return redirect("ocop:counterfeit-detail", pk=report.pk)


class CounterfeitPhotoView(ReportsPage, DetailView):
    """A report's photo through an authorised view: media URLs are not access-controlled."""

    model = CounterfeitReport

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        if not report.photo:
            raise Http404
        name = report.photo.name.rsplit("/", 1)[-1]
        return FileResponse(
            report.photo.open("rb"),
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            filename=name,
        )
