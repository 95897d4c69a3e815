"""Certificate pages of the dashboard.

* Producer users (users of the producer's Oscar partner, no staff flag needed) see their
  products' certificates with their scans, upload scans, ask for certification changes and
  follow them. Anything of another producer is a 404.
* Department staff (permission ``ocop.review_certificationchangerequest``) work through the
  queue of change requests and open any scan.
* Scans are opened through a redirect to a fresh signed URL, issued only after the check above;
  on local disk ``PrivateFileView`` serves the file a valid, unexpired link names.

Views stay thin: rules live in ``services`` and ``plugins.ocop.uploads``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from ..channels.views import PermissionPage
from ..models import (
    Certificate,
    CertificateScan,
    CertificateStatus,
    CertificationChangeRequest,
    OcopProduct,
    Producer,
    local_today,
)
from ..uploads import SignedFileError, guess_content_type, name_from_token, private_storage
from ..uploads import signed_url as make_signed_url
from .forms import ChangeRequestForm, ReviewForm, ScanUploadForm
from .services import (
    ChangeRequestError,
    approve_change_request,
    reject_change_request,
    request_certification_change,
    store_scan,
)

REVIEW_PERMISSION = "ocop.review_certificationchangerequest"
#: What a scan can be (see ``uploads.check_scan``), shown in the browser; anything else is a
#: download.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})


def producers_of(user) -> QuerySet[Producer]:
    """The producers whose Oscar partner lists ``user`` among its users."""
    return Producer.objects.filter(partner__users=user)


def is_producer_user(user) -> bool:
    return user.is_authenticated and producers_of(user).exists()


def _scan_redirect(request, scan: CertificateScan):
    response = redirect(make_signed_url(scan.file, request=request))
    response["Cache-Control"] = "no-store"
    return response


# Producer side ---------------------------------------------------------------------------------


class ProducerPage(LoginRequiredMixin, View):
    """Pages for producer users; ``self.producer_ids`` are the user's producers. Signed-in users
    of no producer get 403, as on the producer's channel pages."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.producer_ids = list(producers_of(request.user).values_list("pk", flat=True))
        if not self.producer_ids:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def own_products(self) -> QuerySet[OcopProduct]:
        return OcopProduct.objects.filter(producer_id__in=self.producer_ids)

    def own_certificates(self) -> QuerySet[Certificate]:
        return Certificate.objects.filter(product__producer_id__in=self.producer_ids)

    def own_requests(self) -> QuerySet[CertificationChangeRequest]:
        return CertificationChangeRequest.objects.filter(producer_id__in=self.producer_ids)


class MyCertificatesView(ProducerPage, TemplateView):
    """The producer's products, each with its certificate history and scans; a scan upload."""

    template_name = "ocop/workspace/my_certificates.html"

    def scan_form(self, data=None, files=None) -> ScanUploadForm:
        certificates = (
            self.own_certificates()
            .select_related("product")
            .order_by("product__name", "-decision_date")
        )
        return ScanUploadForm(data, files, certificates=certificates)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificates = Prefetch(
            "certificates",
            queryset=Certificate.objects.order_by("-decision_date", "-pk").prefetch_related(
                Prefetch("scans", queryset=CertificateScan.objects.order_by("-uploaded_at"))
            ),
        )
        today = local_today()
        products = list(
            self.own_products()
            .select_related("producer", "current_certificate")
            .prefetch_related(certificates)
            .order_by("producer__name", "name")
        )
        for product in products:
            for certificate in product.certificates.all():
                certificate.status_label = CertificateStatus(certificate.status(today)).label
        context.update(
            products=products,
            pending=self.own_requests()
            .filter(status=CertificationChangeRequest.Status.PENDING)
            .count(),
        )
        context.setdefault("form", self.scan_form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.scan_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        certificate = form.cleaned_data["certificate"]
        scan = store_scan(
            form.cleaned_data["scan"],
            producer=certificate.product.producer,
            user=request.user,
            certificate=certificate,
        )
        messages.success(
            request,
            _("The scan “%(name)s” is attached to %(certificate)s.")
            % {"name": scan.original_name, "certificate": certificate},
        )
        return redirect("ocop:my-certificates")


class MyScanView(ProducerPage):
    """Open one of the producer's scans: a redirect to a fresh signed URL."""

    def get(self, request, pk):
        scan = get_object_or_404(CertificateScan, pk=pk, producer_id__in=self.producer_ids)
        return _scan_redirect(request, scan)


class MyChangeRequestsView(ProducerPage, TemplateView):
    """The producer's change requests and their outcome, and the form to ask for a change."""

    template_name = "ocop/workspace/my_change_requests.html"

    def request_form(self, data=None, files=None) -> ChangeRequestForm:
        products = self.own_products().select_related("current_certificate").order_by("name")
        form = ChangeRequestForm(data, files, products=products)
        if data is None and (product := self.request.GET.get("product", "")).isdigit():
            form.initial["product"] = int(product)
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_requests"] = self.own_requests().select_related(
            "product", "certificate", "resulting_certificate", "scan"
        )
        context.setdefault("form", self.request_form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.request_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        change = request_certification_change(
            product=data["product"],
            user=request.user,
            stars=data["stars"],
            score=data["score"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            valid_until=data["valid_until"],
            scan_file=data["scan"],
            note=data["note"],
        )
        messages.success(
            request,
            _("Your request for %(product)s is sent; the department will review it.")
            % {"product": change.product.name},
        )
        return redirect("ocop:my-change-request", pk=change.pk)


class MyChangeRequestDetailView(ProducerPage, TemplateView):
    template_name = "ocop/workspace/change_request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change"] = get_object_or_404(
            self.own_requests().select_related(
                "product", "certificate", "resulting_certificate", "scan", "reviewed_by"
            ),
            pk=self.kwargs["pk"],
        )
        context["scan_url_name"] = "ocop:my-scan"
        return context


# Department staff side -------------------------------------------------------------------------


class ChangeRequestListView(PermissionPage, TemplateView):
    """The queue of change requests, pending first; ``?status=`` shows the others."""

    permission_required = REVIEW_PERMISSION
    template_name = "ocop/workspace/change_request_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statuses = dict(CertificationChangeRequest.Status.choices)
        status = self.request.GET.get("status", CertificationChangeRequest.Status.PENDING)
        if status not in statuses:
            status = CertificationChangeRequest.Status.PENDING
        context.update(
            status=status,
            statuses=statuses,
            change_requests=CertificationChangeRequest.objects.filter(status=status)
            .select_related("producer", "product", "certificate", "requested_by")
            .order_by("requested_at", "pk")[:200],
        )
        return context


class ChangeRequestReviewView(PermissionPage, TemplateView):
    """One change request beside the current certificate, its scan, approve or reject."""

    permission_required = REVIEW_PERMISSION
    template_name = "ocop/workspace/change_request_detail.html"

    def get_change(self) -> CertificationChangeRequest:
        return get_object_or_404(
            CertificationChangeRequest.objects.select_related(
                "producer",
                "product",
                "certificate",
                "resulting_certificate",
                "scan",
                "requested_by",
                "reviewed_by",
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = context.setdefault("change", self.get_change())
        context["scan_url_name"] = "ocop:scan"
        context["staff_view"] = True
        if change.status == CertificationChangeRequest.Status.PENDING:
            context.setdefault("form", ReviewForm())
        return context

    def post(self, request, *args, **kwargs):
        change = self.get_change()
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(change=change, form=form))
        comment = form.cleaned_data["comment"].strip()
        try:
            if form.cleaned_data["decision"] == "approve":
                certificate = approve_change_request(change, user=request.user, comment=comment)
                messages.success(
                    request,
                    _("Approved: %(certificate)s is recorded.") % {"certificate": certificate},
                )
            else:
                reject_change_request(change, user=request.user, comment=comment)
                messages.success(request, _("Rejected; the producer sees your comment."))
        except ChangeRequestError as exc:
            messages.error(request, str(exc))
        return redirect("ocop:change-request-detail", pk=change.pk)


class ScanView(PermissionPage, View):
    """Department staff open any scan: a redirect to a fresh signed URL."""

    permission_required = REVIEW_PERMISSION

    def get(self, request, pk):
        return _scan_redirect(request, get_object_or_404(CertificateScan, pk=pk))


# Signed links on local disk --------------------------------------------------------------------


class PrivateFileView(View):
    """Serve the private file a signed link names, while the link is fresh. The link is the
    permission (as an S3 presigned URL is): it was issued only after the owner/staff check."""

    def get(self, request, token):
        try:
            name = name_from_token(token)
        except SignedFileError as exc:
            return HttpResponse(
                str(exc),
                status=403 if exc.expired else 404,
                content_type="text/plain; charset=utf-8",
            )
        if not private_storage.exists(name):
            raise Http404(name)
        content_type = guess_content_type(name)
        response = FileResponse(
            private_storage.open(name, "rb"),
            content_type=content_type,
            filename=name.rsplit("/", 1)[-1],
            as_attachment=content_type not in INLINE_TYPES,
        )
        response["Cache-Control"] = "private, no-store"
        return response
