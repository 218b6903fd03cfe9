from django.urls import path

from zicht.people import views

app_name = "people"
urlpatterns = [
    path("", views.team_list, name="teams"),
    path("teams/add/", views.team_add, name="team-add"),
    path("team/<int:pk>/", views.team_detail, name="team"),
    path("team/<int:pk>/add/<str:role>/", views.person_add, name="person-add"),
    path("person/<int:person_id>/", views.person_edit, name="person"),
    path("person/<int:person_id>/mentor/", views.person_mentor, name="person-mentor"),
    path("person/<int:person_id>/active/", views.person_active, name="person-active"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import-confirm"),
]
