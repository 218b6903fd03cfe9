from django.urls import path

from zicht.privacy import views

app_name = "privacy"
urlpatterns = [
    path("security/2fa/instellen/", views.otp_setup, name="otp-setup"),
    path("security/2fa/", views.otp_verify, name="otp-verify"),
    path("privacy/audit.csv", views.audit_csv, name="audit-csv"),
    path("privacy/person/<int:person_id>/", views.person_privacy, name="person"),
    path("privacy/person/<int:person_id>/toestemming/", views.person_consent, name="person-consent"),
    path("privacy/person/<int:person_id>/inzage/", views.person_access_export, name="person-access"),
    path("privacy/person/<int:person_id>/wissen/", views.person_erase, name="person-erase"),
    path("privacy/onderzoek/", views.study_list, name="studies"),
    path("privacy/onderzoek/<int:study_id>/export/", views.study_export, name="study-export"),
]
