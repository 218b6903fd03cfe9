from django.urls import path

from zicht.support import views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/new/", views.dossier_create, name="dossier-new"),
    path("dossiers/export.csv", views.dossier_export, name="dossier-export"),
    path("dossiers/<int:pk>/", views.dossier_detail, name="dossier"),
    path("dossiers/<int:pk>/<slug:action>/", views.dossier_action, name="dossier-action"),
    path("students/<int:pk>/timeline/", views.student_timeline, name="timeline"),
    path("deregistrations/", views.deregistration_monitor, name="monitor"),
    path("deregistrations/new/", views.deregistration_create, name="deregistration-new"),
    path("deregistrations/<int:pk>/", views.deregistration_detail, name="deregistration"),
    path("outflow/", views.outflow_inbox, name="outflow"),
]
