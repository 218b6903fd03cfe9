"""Publishing definitions: idempotent, a change makes a new version, old versions never change."""

import datetime
import io
import shutil

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from zicht.questionnaires.definition import DefinitionError
from zicht.questionnaires.loader import DEFINITIONS_DIR, sync_definitions
from zicht.questionnaires.models import Questionnaire, QuestionnaireVersion

NOW = datetime.datetime(2025, 9, 1, 10, 0, tzinfo=datetime.UTC)

SIMPLE = """\
key: check_in
title: {nl: Even bijpraten, en: Catching up}
items:
  - id: v1
    type: slider
    text: {nl: "Hoe gaat het?", en: "How are you?"}
    anchors: {left: {nl: Slecht, en: Bad}, right: {nl: Goed, en: Good}}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "check_in.yaml").write_text(SIMPLE, encoding="utf-8")
    return tmp_path


def test_shipped_definitions_publish_once(db):
    first = sync_definitions(now=NOW)
    assert len(first) == len(list(DEFINITIONS_DIR.glob("*.yaml")))
    assert {v.number for v in first} == {1}
    assert Questionnaire.objects.get(key="student_diary").title == "Weekvragenlijst"
    assert sync_definitions(now=NOW) == []
    assert QuestionnaireVersion.objects.count() == len(first)


def test_a_changed_definition_becomes_version_2_and_version_1_is_unchanged(db, folder):
    (v1,) = sync_definitions(now=NOW, directory=folder)
    stored = QuestionnaireVersion.objects.get(pk=v1.pk)
    before = (stored.definition, stored.checksum, stored.published_at)

    (folder / "check_in.yaml").write_text(
        SIMPLE.replace("Hoe gaat het?", "Hoe gaat het met je?"), encoding="utf-8"
    )
    later = NOW + datetime.timedelta(days=7)
    (v2,) = sync_definitions(now=later, directory=folder)
    assert v2.number == 2 and v2.published_at == later
    assert v2.definition["items"][0]["text"]["nl"] == "Hoe gaat het met je?"
    stored = QuestionnaireVersion.objects.get(pk=v1.pk)
    assert (stored.definition, stored.checksum, stored.published_at) == before
    assert stored.definition["items"][0]["text"]["nl"] == "Hoe gaat het?"
    assert Questionnaire.objects.get(key="check_in").latest_version() == v2

    # Going back to the first text publishes nothing: that content is already version 1.
    (folder / "check_in.yaml").write_text(SIMPLE, encoding="utf-8")
    assert sync_definitions(now=later, directory=folder) == []


def test_published_versions_cannot_be_edited(db, folder):
    (version,) = sync_definitions(now=NOW, directory=folder)
    version.definition["title"]["nl"] = "Anders"
    with pytest.raises(ValidationError):
        version.save()


def test_whitespace_and_comments_do_not_make_a_new_version(db, folder):
    sync_definitions(now=NOW, directory=folder)
    (folder / "check_in.yaml").write_text("# a comment\n" + SIMPLE + "\n\n", encoding="utf-8")
    assert sync_definitions(now=NOW, directory=folder) == []


def test_one_broken_file_publishes_nothing_and_names_the_file(db, folder):
    shutil.copy(DEFINITIONS_DIR / "student_pre.yaml", folder / "student_pre.yaml")
    (folder / "broken.yaml").write_text(SIMPLE.replace("check_in", "broken").replace("en: Bad", "fr: Mal"))
    with pytest.raises(DefinitionError) as info:
        sync_definitions(now=NOW, directory=folder)
    assert str(info.value).startswith("broken.yaml: items[0].anchors.left")
    assert QuestionnaireVersion.objects.count() == 0


def test_key_must_match_the_file_name_and_duplicate_keys_are_refused(db, tmp_path):
    (tmp_path / "other_name.yaml").write_text(SIMPLE)
    with pytest.raises(DefinitionError, match="other_name.yaml: key"):
        sync_definitions(directory=tmp_path)
    (tmp_path / "other_name.yaml").unlink()
    (tmp_path / "check_in.yaml").write_text(SIMPLE + "title: {nl: Twee, en: Two}\n")
    with pytest.raises(DefinitionError, match="duplicate key 'title'"):
        sync_definitions(directory=tmp_path)


def test_management_command(db, folder):
    out = io.StringIO()
    call_command("sync_questionnaires", directory=str(folder), stdout=out)
    assert "published check_in version 1" in out.getvalue()
    out = io.StringIO()
    call_command("sync_questionnaires", directory=str(folder), stdout=out)
    assert "up to date" in out.getvalue()
    (folder / "check_in.yaml").write_text("key: check_in\nitems: 3\n")
    with pytest.raises(CommandError, match="check_in.yaml: title"):
        call_command("sync_questionnaires", directory=str(folder), stdout=io.StringIO())
