from django.contrib import admin

from .models import Certificate, ImportRun, OcopProduct, Producer, ProductGroup


@admin.register(ProductGroup)
class ProductGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "is_service")


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "legacy_district", "commune", "craft_village")
    list_filter = ("type", "legacy_district")
    search_fields = ("name", "tax_code", "address")


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ("stars", "score", "decision_number", "decision_date", "valid_until", "revoked_on")


@admin.register(OcopProduct)
class OcopProductAdmin(admin.ModelAdmin):
    list_display = ("name", "producer", "group")
    list_filter = ("group",)
    search_fields = ("name", "producer__name")
    raw_id_fields = ("product", "producer", "current_certificate")
    inlines = [CertificateInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("filename", "state", "dry_run", "created_by", "created_at")
    readonly_fields = ("result",)
