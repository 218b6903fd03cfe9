"""The baseline of submit_load: the smallest Django view that stores one row, behind the same middleware.

GET shows a form with a CSRF token; POST inserts one row into ``bench_minimal`` (created by the benchmark)
and redirects, like the diary submit does. Exists only in the benchmark, never in the product.
"""

from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import include, path


def store_one(request, number):
    if request.method == "POST":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_minimal (number, body, created_at) VALUES (%s, %s, now())",
                [number, request.POST.get("v1", "")],
            )
        return HttpResponseRedirect(f"/bench/minimal/{number}/done/")
    token = get_token(request)
    return HttpResponse(f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{token}"></form>')


urlpatterns = [
    path("bench/minimal/<int:number>/", store_one),
    path("", include("zicht.urls")),
]
