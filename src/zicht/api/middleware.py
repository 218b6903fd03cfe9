"""Every error under /api/ is JSON: integrations parse bodies, not HTML error pages."""

import json

from django.http import JsonResponse


class JsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = JsonResponse(
                {"detail": response.reason_phrase or "error"}, status=response.status_code
            )
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


def is_json(response):
    try:
        json.loads(response.content)
    except ValueError:
        return False
    return True
