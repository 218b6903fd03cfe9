from django.contrib import admin

from zicht.feedback.models import ContactNotification, ContactRequest, FeedbackExposure, FeedbackSettings


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "protocol", "enabled", "constructs", "created_at", "created_by")
    list_filter = ("enabled", "organisation")

    def has_change_permission(self, request, obj=None):
        return False  # a change is a new row: the history is what analyses read


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ("student", "routed_to", "state", "created_at", "picked_up_at", "done_at")
    list_filter = ("state", "routed_to")
    exclude = ("message",)  # administrators see no student texts


@admin.register(ContactNotification)
class ContactNotificationAdmin(admin.ModelAdmin):
    list_display = ("contact_request", "purpose", "channel", "status", "attempts", "created_at", "sent_at")
    exclude = ("body",)


@admin.register(FeedbackExposure)
class FeedbackExposureAdmin(admin.ModelAdmin):
    list_display = ("window", "person", "shown", "constructs", "source", "at")
