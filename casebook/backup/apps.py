from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "casebook.backup"
    label = "backup"
    verbose_name = "Backups"
