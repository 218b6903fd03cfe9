"""Django admin for configuration: organisations, teams, staff roles; people and links for support."""

from django.contrib import admin

from zicht.people.models import MentorLink, Organisation, Person, StaffRole, Team


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "programme_name", "created_at"]
    search_fields = ["name", "programme_name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "mentor_title"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "role", "external_id", "team", "phone", "email", "is_active"]
    list_filter = ["role", "is_active", "team__organisation", "team"]
    search_fields = ["first_name", "last_name", "external_id", "email", "phone"]
    list_select_related = ["team__organisation"]
    raw_id_fields = ["user"]


@admin.register(MentorLink)
class MentorLinkAdmin(admin.ModelAdmin):
    list_display = ["student", "mentor", "starts_on", "ends_on"]
    list_filter = ["student__team"]
    search_fields = [
        "student__first_name",
        "student__last_name",
        "student__external_id",
        "mentor__first_name",
        "mentor__last_name",
        "mentor__external_id",
    ]
    raw_id_fields = ["student", "mentor"]
    date_hierarchy = "starts_on"


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "team"]
    list_filter = ["role", "organisation"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "organisation__name",
        "team__name",
    ]
    raw_id_fields = ["user"]
