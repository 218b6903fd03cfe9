from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "zicht.cohorts"
    verbose_name = "Cohortstromen"
