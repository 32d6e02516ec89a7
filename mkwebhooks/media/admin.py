"""Media resources in admin: changing a state here fires its event like any other path."""

from django.contrib import admin

from mkwebhooks.media import models


class MediaAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "state", "last_modified"]
    list_filter = ["state", "project"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created", "last_modified"]


@admin.register(models.Transform)
class TransformAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "last_modified"]
    search_fields = ["name"]


@admin.register(models.Job)
class JobAdmin(MediaAdmin):
    list_display = ["name", "transform", "project", "state", "last_modified"]
    readonly_fields = [*MediaAdmin.readonly_fields, "start_time", "end_time"]


admin.site.register(models.StreamingLocator, MediaAdmin)
admin.site.register(models.LiveChannel, MediaAdmin)


@admin.register(models.ScheduledOperation)
class ScheduledOperationAdmin(MediaAdmin):
    list_display = ["name", "channel", "project", "state", "last_modified"]
