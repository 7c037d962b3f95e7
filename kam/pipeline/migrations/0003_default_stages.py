from django.db import migrations

from kam.pipeline.defaults import DEFAULT_STAGES


def create_stages(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    taken = set(Stage.objects.values_list("order", flat=True))
    for code, name_zh, name_en, order, probability in DEFAULT_STAGES:
        if Stage.objects.filter(code=code).exists():
            continue
        while order in taken:
            order += 10
        taken.add(order)
        Stage.objects.create(
            code=code, name_zh=name_zh, name_en=name_en, order=order, probability=probability
        )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0002_opportunity_opportunity_established_on_after_created_and_more")]

    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
