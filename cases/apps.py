from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from simple_history.signals import post_create_historical_record

        from .history import on_version_created

        # Links every new version into the tamper-evident chain (see cases/history.py).
        post_create_historical_record.connect(
            on_version_created, dispatch_uid="cases-history-chain"
        )
