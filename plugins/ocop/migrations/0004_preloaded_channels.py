from django.db import migrations

from plugins.ocop.channels.registry import PRELOADED, channel_key


def add_channels(apps, schema_editor):
    Channel = apps.get_model("ocop", "Channel")
    for channel in PRELOADED:
        Channel.objects.update_or_create(
            slug=channel.slug,
            defaults={
                "name": channel.name,
                "match_key": channel_key(channel.name),
                "kind": channel.kind,
                "is_modern": channel.is_modern,
                "website": channel.website,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ocop", "0003_channels")]
    operations = [migrations.RunPython(add_channels, migrations.RunPython.noop)]
