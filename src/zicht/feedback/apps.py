from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "zicht.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Feedback, contact and participation"
