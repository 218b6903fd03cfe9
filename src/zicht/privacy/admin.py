"""Admin pages: the audit log read-only (with a CSV download), consent, studies, API tokens."""

from django.contrib import admin
from django.http import StreamingHttpResponse

from zicht.core import permissions
from zicht.privacy import audit as audit_log
from zicht.privacy.models import ApiToken, AuditEvent, Consent, ConsentText, PrivacyPolicy, Study


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "person_id", "why"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "why"]
    date_hierarchy = "at"
    actions = ["download_csv"]

    def get_queryset(self, request):
        return permissions.visible_audit_events(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def has_module_permission(self, request):
        return permissions.is_admin(request.user)

    @admin.action(description="CSV downloaden / download CSV")
    def download_csv(self, request, queryset):
        response = StreamingHttpResponse(audit_log.csv_rows(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "published_at"]

    def has_change_permission(self, request, obj=None):
        # A published text is what people agreed to: publish a new version instead.
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["person_id", "purpose", "text", "given_at", "withdrawn_at"]
    list_filter = ["purpose"]
    readonly_fields = ["person", "purpose", "text", "given_at", "withdrawn_at", "recorded_by"]

    def has_add_permission(self, request):
        return False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "key", "retention_days"]


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "retention_days"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["token_hash", "prefix", "created_at", "last_used_at", "created_by"]

    def has_add_permission(self, request):
        # Tokens are created with `zicht api_token`, which shows the token once.
        return False
