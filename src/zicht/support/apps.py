from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "zicht.support"
    verbose_name = "Doorgaande ondersteuningslijn"
