from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "zicht.privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from zicht.privacy import signals  # noqa: F401 - connects the login receiver
