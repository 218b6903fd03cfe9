from django.urls import path

from zicht.cohorts import views

app_name = "cohorts"
urlpatterns = [
    path("", views.dataset_list, name="list"),
    path("import/", views.import_view, name="import"),
    path("<int:pk>/", views.dataset_detail, name="detail"),
    path("<int:pk>/export.csv", views.dataset_export, name="export"),
]
