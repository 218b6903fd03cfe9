"""Messaging URLs; the root URLconf includes them at "" (so these are the full paths)."""

from django.urls import path

from zicht.messaging import views

app_name = "messaging"
urlpatterns = [
    path("hooks/sms/status/", views.status_callback, name="status_callback"),
    path("hooks/sms/inbound/", views.inbound_sms, name="inbound_sms"),
    path("stop/<str:token>/", views.opt_out_page, name="opt_out"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
    path("staff/messages/person/<int:person_id>/", views.person_messages, name="person_messages"),
    path("staff/messages/payout/", views.payout_page, name="payout"),
    path("staff/messages/payout.csv", views.payout_download, name="payout_csv"),
]
