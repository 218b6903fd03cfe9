from django.urls import path

from zicht.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("students/<int:student_id>/", views.student, name="student"),
    path("students/<int:student_id>/notes/", views.add_note, name="add-note"),
    path("alerts/<int:alert_id>/seen/", views.alert_seen, name="alert-seen"),
    path("alerts/<int:alert_id>/act/", views.alert_act, name="alert-act"),
    path("alerts/<int:alert_id>/dismiss/", views.alert_dismiss, name="alert-dismiss"),
    path("groups/", views.group_view, name="groups"),
    path("groups/<str:chart>.<str:fmt>", views.group_download, name="group-download"),
]
