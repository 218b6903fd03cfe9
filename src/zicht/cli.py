"""The ``zicht`` command: Django's management commands plus our own.

``zicht ews ...`` runs the early-warning tools without starting Django.
"""

import os
import sys

ALIASES = {"import-people": "import_people"}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "ews":
        from zicht.analytics.cli import main as ews_main

        return ews_main(argv[1:])
    if argv and argv[0] in ALIASES:
        argv[0] = ALIASES[argv[0]]
    if argv and argv[0] == "demo":
        # The demo shows its development pages (personal links, SMS outbox).
        os.environ.setdefault("ZICHT_DEV_PAGES", "1")
        # Demo logins work with a password alone; production asks staff for a second factor.
        os.environ.setdefault("ZICHT_REQUIRE_2FA", "0")
        # E-mails, like SMS, are only shown on /dev/outbox/: the demo has no mail server.
        os.environ.setdefault("ZICHT_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zicht.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zicht", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
