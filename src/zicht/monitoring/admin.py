from django.contrib import admin

from zicht.monitoring.models import MonitoringSettings


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(admin.ModelAdmin):
    """Per organisation: whether diary answers are shown to mentors by default, and the baseline length."""

    list_display = ("organisation", "share_answers_default", "baseline_weeks")
