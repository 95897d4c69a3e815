"""Dashboard pages of the OCOP plugin for department staff: upload a certificate list and
follow its import. Thin views: the work is done by the import service through its task."""

from __future__ import annotations

from celery.result import AsyncResult
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView

from .forms import CertificateImportForm
from .models import ImportRun
from .tasks import import_certificates_task

IMPORT_PERMISSION = "ocop.run_certificate_import"


class DepartmentImportMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = IMPORT_PERMISSION
    raise_exception = False

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class ImportListView(DepartmentImportMixin, FormView, ListView):
    template_name = "ocop/dashboard/import_list.html"
    form_class = CertificateImportForm
    model = ImportRun
    paginate_by = 20
    context_object_name = "runs"

    def get(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        return super().post(request, *args, **kwargs)

    def get_queryset(self):
        return ImportRun.objects.select_related("created_by")

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        run = ImportRun.objects.create(
            file=upload,
            filename=upload.name,
            dry_run=form.cleaned_data["dry_run"],
            skip_invalid=form.cleaned_data["skip_invalid"],
            created_by=self.request.user,
        )
        transaction.on_commit(lambda: import_certificates_task.delay(run.pk))
        return redirect("ocop:import-detail", pk=run.pk)


class ImportDetailView(DepartmentImportMixin, DetailView):
    template_name = "ocop/dashboard/import_detail.html"
    model = ImportRun
    context_object_name = "run"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context["rows_read"] = None
        if run.state in (ImportRun.State.PENDING, ImportRun.State.RUNNING) and run.task_id:
            info = AsyncResult(run.task_id).info
            if isinstance(info, dict):
                context["rows_read"] = info.get("rows_read")
        context["list_url"] = reverse("ocop:import-list")
        return context
