from django.contrib import admin

from zicht.messaging.models import ContactProblem, Delivery, Invitation, OptOut


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "to", "status", "attempts", "next_attempt_at", "sent_at", "last_error", "reference"]
    readonly_fields = fields


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "moment", "due_at", "status", "sent_at", "note"]
    list_filter = ["status", "kind"]
    date_hierarchy = "moment"
    search_fields = ["person__first_name", "person__last_name", "person__external_id"]
    readonly_fields = [
        "person",
        "kind",
        "moment",
        "due_at",
        "claimed_until",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["reference", "channel", "to", "status", "attempts", "created_at", "sent_at", "error_code"]
    list_filter = ["status", "channel", "error_code"]
    search_fields = ["reference", "provider_id", "to"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["person", "phone", "source", "created_at", "revoked_at"]
    list_filter = ["source"]
    search_fields = ["phone", "person__first_name", "person__last_name"]


@admin.register(ContactProblem)
class ContactProblemAdmin(admin.ModelAdmin):
    list_display = ["person", "channel", "address", "reason", "created_at", "resolved_at"]
    list_filter = ["channel"]
    search_fields = ["address", "person__first_name", "person__last_name"]
