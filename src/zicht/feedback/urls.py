"""Feedback URLs; the root URLconf includes them at "" (so these are the full paths)."""

from django.urls import path

from zicht.feedback import views

app_name = "feedback"
urlpatterns = [
    # Student pages, reached with the same personal link as the diary.
    path("d/<str:token>/contact/", views.contact_page, name="contact"),
    path("d/<str:token>/mijn-gegevens/", views.participation_page, name="participation"),
    path("d/<str:token>/mijn-gegevens/pauze/", views.pause, name="pause"),
    path("d/<str:token>/mijn-gegevens/verder/", views.resume, name="resume"),
    path("d/<str:token>/mijn-gegevens/stoppen/", views.stop, name="stop"),
    path("d/<str:token>/mijn-gegevens/berichten/", views.channel, name="channel"),
    path("d/<str:token>/mijn-gegevens/nummer/", views.phone, name="phone"),
    path("d/<str:token>/mijn-gegevens/nummer/code/", views.phone_code, name="phone-code"),
    path("d/<str:token>/mijn-gegevens/mijn-gegevens.json", views.data_download, name="download"),
    # Staff pages.
    path("staff/contact/", views.staff_list, name="staff-list"),
    path("staff/contact/<int:request_id>/", views.staff_detail, name="staff-detail"),
    path("staff/contact/<int:request_id>/opgepakt/", views.staff_pick_up, name="staff-pick-up"),
    path("staff/contact/<int:request_id>/afgerond/", views.staff_done, name="staff-done"),
    path("staff/feedback/instellingen/", views.settings_page, name="settings"),
]
