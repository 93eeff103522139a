from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Text kept after a session ended is given to whoever signs in next in that browser
        # (a user_logged_in receiver); connected here, not only when the middleware loads.
        from . import kept_text  # noqa: F401
