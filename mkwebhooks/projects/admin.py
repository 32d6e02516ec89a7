from django.contrib import admin

from mkwebhooks.projects.models import Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "created"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        obj.created_by = obj.created_by if change else request.user
        super().save_model(request, obj, form, change)
