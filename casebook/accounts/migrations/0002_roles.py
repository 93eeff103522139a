"""Create the four role groups of WORKFLOW.md. Administrators get every model permission;
the other roles act through Casebook's own pages, whose rules live in code, not in groups."""

from django.db import migrations

ROLES = ("Monitor", "Reviewer", "Advocate", "Administrator")


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations ran; make them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    administrators = Group.objects.get(name="Administrator")
    administrators.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["cases", "accounts", "auth"])
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
