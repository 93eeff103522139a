"""A person's name variants also store the Wylie spelling, phonetic reading and sound key of a
Tibetan name (cases.text.name_search_key), so "tashi", "bkra shis" and "Trashi" find བཀྲ་ཤིས་.

The field now says how its text is derived; the existing rows are filled here. The trigram
index on the column (0008) serves the longer text as it is. Past versions (the historical
table) are left as they were recorded: their search text is never searched.
"""

from django.db import migrations

import cases.fields

BATCH = 2000


def _refill(apps, derive_name):
    from cases import text

    derive = getattr(text, derive_name)
    person_name = apps.get_model("cases", "PersonName")
    max_length = person_name._meta.get_field("search_text").max_length
    changed = []
    for variant in person_name.objects.only("pk", "name", "search_text").iterator(BATCH):
        stored = derive(variant.name)[:max_length]
        if stored != variant.search_text:
            variant.search_text = stored
            changed.append(variant)
        if len(changed) >= BATCH:
            person_name.objects.bulk_update(changed, ["search_text"])
            changed = []
    person_name.objects.bulk_update(changed, ["search_text"])


def fill_name_keys(apps, schema_editor):
    _refill(apps, "name_search_key")


def restore_search_keys(apps, schema_editor):
    _refill(apps, "search_key")


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_status_as_of_text")]

    operations = [
        migrations.AlterField(
            model_name="historicalpersonname",
            name="search_text",
            field=cases.fields.SearchTextField(
                default="", derive="name_search_key", max_length=900, source="name"
            ),
        ),
        migrations.AlterField(
            model_name="personname",
            name="search_text",
            field=cases.fields.SearchTextField(
                default="", derive="name_search_key", max_length=900, source="name"
            ),
        ),
        migrations.RunPython(fill_name_keys, restore_search_keys),
    ]
