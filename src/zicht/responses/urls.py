from django.urls import path

from zicht.responses import views

app_name = "responses"
urlpatterns = [
    path("d/<str:token>/", views.home, name="home"),
    path("d/<str:token>/w/<int:window_id>/", views.fill, name="fill"),
    path("d/<str:token>/w/<int:window_id>/draft/", views.save_draft, name="draft"),
    path("d/<str:token>/w/<int:window_id>/klaar/", views.done, name="done"),
]
