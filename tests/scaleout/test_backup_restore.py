"""docs/deploy.md's backup and restore commands, run against the test PostgreSQL: what was stored comes back."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres_only


def pg_tool(name):
    directory = os.environ.get("ZICHT_TEST_PG_BIN")
    path = Path(directory, name) if directory else shutil.which(name)
    if not path or not Path(path).exists():
        pytest.skip(f"{name} is not installed")
    return str(path)


def test_pg_dump_and_pg_restore_bring_back_people_and_responses(postgres, student, open_window, tmp_path):
    import psycopg

    from zicht.questionnaires.models import QuestionnaireVersion
    from zicht.responses.services import submit_response

    window, _ = open_window(student)
    version = QuestionnaireVersion.objects.filter(questionnaire=window.questionnaire).latest("number")
    submit_response(window, version, {"school_connected": 71}, {"untouched": []})
    student.first_name = "Zoë"  # a name outside ASCII survives the round trip
    student.save()

    db = connection.settings_dict
    env = dict(
        os.environ,
        PGHOST=db["HOST"] or "localhost",
        PGPORT=str(db["PORT"] or 5432),
        PGUSER=db["USER"],
        PGPASSWORD=db["PASSWORD"] or "",
    )
    backup = tmp_path / "zicht.dump"
    # The commands of docs/deploy.md ("Backups"), with the test database's name.
    subprocess.run(
        [pg_tool("pg_dump"), "--format=custom", "--file", str(backup), db["NAME"]],
        env=env,
        check=True,
        timeout=60,
    )
    assert backup.stat().st_size > 10_000
    restored = f"{db['NAME']}_restored"
    admin = psycopg.connect(
        dbname=db["NAME"],
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        password=env["PGPASSWORD"],
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", restored, str(backup)],
            env=env,
            check=True,
            timeout=60,
        )
        with psycopg.connect(
            dbname=restored,
            host=env["PGHOST"],
            port=env["PGPORT"],
            user=env["PGUSER"],
            password=env["PGPASSWORD"],
        ) as copy:
            names = copy.execute("SELECT first_name FROM people_person ORDER BY id").fetchall()
            answers = copy.execute("SELECT answers FROM responses_response").fetchall()
            migrations = copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        assert ("Zoë",) in names and len(names) == 2  # the student and the mentor
        assert answers == [({"school_connected": 71},)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert migrations == cursor.fetchone()[0]  # `zicht migrate` after a restore knows where it is
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        admin.close()
