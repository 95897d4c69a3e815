from django.db import migrations

from plugins.ocop.groups import GROUPS


def add_groups(apps, schema_editor):
    ProductGroup = apps.get_model("ocop", "ProductGroup")
    for group in GROUPS:
        ProductGroup.objects.update_or_create(
            code=group.code,
            defaults={
                "slug": group.slug,
                "name_vi": group.name_vi,
                "name_en": group.name_en,
                "is_service": group.is_service,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ocop", "0001_initial")]
    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
