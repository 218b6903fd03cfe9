"""Translations: English users see English, and the shipped catalogues are complete and compiled.

Source strings are Dutch; locale/en holds English for all of them, locale/nl holds Dutch only for the
few msgids written in English (model choices, field names). docs/architecture.md, "Translations",
says how to update the catalogues.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "zicht"
LOCALE = SOURCE / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|<[^>]+>")


def read_po(path):
    """A small .po reader: a list of dicts with msgid, msgid_plural, msgstr (list) and flags.

    Obsolete entries (#~) and the header are left out.
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and entry["msgid"]:
            entries.append(entry)

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            field = match.group(1)
            text = match.group(3)
        else:
            text = line
        value = _unquote(text)
        if field == "msgid":
            entry["msgid"] += value
        elif field == "msgid_plural":
            entry["msgid_plural"] = (entry["msgid_plural"] or "") + value
        else:
            index = int(field[7:-1]) if field.startswith("msgstr[") else 0
            entry["msgstr"][index] = entry["msgstr"].get(index, "") + value
    finish()
    return entries


def _unquote(text):
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text[1:-1])


def msgstrs(entry):
    return [entry["msgstr"].get(i, "") for i in range(2 if entry["msgid_plural"] else 1)]


# 1. The catalogues are complete.


def test_every_english_string_is_translated_and_not_fuzzy():
    entries = read_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(msgstrs(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_and_markup_survive_translation():
    for lang in ("en", "nl"):
        for entry in read_po(LOCALE / lang / "LC_MESSAGES" / "django.po"):
            sources = [entry["msgid"], entry["msgid_plural"]] if entry["msgid_plural"] else [entry["msgid"]]
            for source, translation in zip(sources, msgstrs(entry), strict=True):
                if translation:
                    assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)), (
                        lang,
                        source,
                    )


def test_dutch_catalogue_translates_the_english_model_labels():
    """Choices written in English in models must read Dutch on Dutch pages."""
    dutch = {e["msgid"]: e["msgstr"].get(0, "") for e in read_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po")}
    assert dutch["invitation"] == "uitnodiging"
    assert dutch["mentor"] == "begeleider"
    assert dutch["school number"] == "schoolnummer"
    # Dutch msgids stay untranslated in nl: the msgid is the Dutch text.
    assert dutch["Versturen"] == ""
    fuzzy = [
        e["msgid"] for e in read_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po") if "fuzzy" in e["flags"]
    ]
    assert fuzzy == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_catalogue_covers_every_string_in_the_source(tmp_path):
    """A string marked for translation but missing from the catalogue would show Dutch to English users."""
    copy = tmp_path / "zicht"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (copy / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-P",  # don't put the copied package first on sys.path: its celery.py would shadow Celery
            "-m",
            "django",
            "makemessages",
            "-l",
            "en",
            "--no-location",
            "--settings=zicht.settings",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(SOURCE.parent)},
    )
    in_source = {e["msgid"] for e in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    in_catalogue = {e["msgid"] for e in read_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")}
    assert sorted(in_source - in_catalogue) == [], "run makemessages and translate (docs/architecture.md)"


# 2. The compiled .mo files match the .po files (CI does not compile them).


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_compiled_catalogue_is_up_to_date(lang):
    directory = LOCALE / lang / "LC_MESSAGES"
    with open(directory / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected = set()
    for entry in read_po(directory / "django.po"):
        if "fuzzy" in entry["flags"] or not all(msgstrs(entry)):
            continue
        expected.add(entry["msgid"])
        if entry["msgid_plural"]:
            for n, translation in ((1, msgstrs(entry)[0]), (2, msgstrs(entry)[1])):
                assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) == translation, entry[
                    "msgid"
                ]
        else:
            assert compiled.gettext(entry["msgid"]) == msgstrs(entry)[0], entry["msgid"]
    # Nothing stale left in the .mo either ("" is the header; plural forms are keyed (msgid, n)).
    in_mo = {key if isinstance(key, str) else key[0] for key in compiled._catalog} - {""}
    assert in_mo == expected


# 3. A student sees English pages.


@pytest.fixture
def english_student(student):
    student.language = "en"
    student.save(update_fields=["language"])
    return student


def test_diary_page_in_english(client, student, open_window):
    window, token = open_window(student)
    page = client.get(f"/d/{token}/w/{window.pk}/?lang=en")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="en">' in html
    assert ">Send</button>" in html
    assert "Versturen" not in html
    assert "Skip to content" in html
    assert "Open until" in html


def test_diary_page_stays_dutch_by_default(client, student, open_window):
    window, token = open_window(student)
    html = client.get(f"/d/{token}/w/{window.pk}/").content.decode()
    assert ">Versturen</button>" in html
    assert "Naar de inhoud" in html


def test_unknown_link_page_in_english(client, db):
    page = client.get("/d/not-a-real-token/?lang=en")
    html = page.content.decode()
    assert page.status_code == 404
    assert "We don&#x27;t recognise this link" in html or "We don't recognise this link" in html
    assert "Ask your mentor or coordinator for help." in html
    assert "Deze link kennen we niet" not in html


def test_expired_link_page_in_the_students_language(client, english_student):
    from zicht.responses.models import AccessLink

    _, token = AccessLink.issue(english_student, expires_at=timezone.now() - timedelta(hours=1))
    page = client.get(f"/d/{token}/")
    html = page.content.decode()
    assert page.status_code == 410
    assert "This link has expired" in html
    assert "Deze link is verlopen" not in html


# 4. Staff whose browser asks for English get English.


def test_staff_login_page_in_english(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Staff login" in html
    assert "Username" in html and "Password" in html
    assert "Inloggen voor medewerkers" not in html


def test_staff_login_page_in_dutch_by_default(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Inloggen voor medewerkers" in html
    assert "Gebruikersnaam" in html
