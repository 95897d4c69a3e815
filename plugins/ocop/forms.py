from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .importer.reader import FileError, read_rows

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


class CertificateImportForm(forms.Form):
    file = forms.FileField(
        label=_("Certificate list (CSV or XLSX)"),
        help_text=_("As published by the province: title rows and any column order are fine."),
    )
    dry_run = forms.BooleanField(label=_("Dry run (check only, write nothing)"), required=False)
    skip_invalid = forms.BooleanField(
        label=_("Write valid rows even if some rows are invalid"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.OCOP_IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("“%(name)s” is not a CSV or XLSX file.") % {"name": upload.name}
            )
        # Refuse here what the import would refuse as a whole file (binary content, legacy
        # .xls) instead of creating a run that can only fail. Rows are not read yet.
        try:
            read_rows(upload)
        except FileError as exc:
            raise forms.ValidationError(exc.message) from None
        finally:
            upload.seek(0)
        return upload
