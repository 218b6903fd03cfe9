from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from zicht.core import views as core_views

urlpatterns = [
    path("", include("zicht.responses.urls")),
    path("", include("zicht.messaging.urls")),
    path("", include("zicht.feedback.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", core_views.staff_home, name="staff-home"),
    path("staff/people/", include("zicht.people.urls")),
    path("staff/mentor/", include("zicht.monitoring.urls")),
    path("staff/support/", include("zicht.support.urls")),
    path("staff/cohorts/", include("zicht.cohorts.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("dev/links/", core_views.dev_links, name="dev-links"),
    path("admin/", admin.site.urls),
]

# Privacy, security and the REST API (privacy/, api/).
from zicht.api.v1 import api as api_v1  # noqa: E402

urlpatterns += [
    path("staff/", include("zicht.privacy.urls")),
    path("api/v1/", api_v1.urls),
]

handler500 = "zicht.core.views.server_error"
