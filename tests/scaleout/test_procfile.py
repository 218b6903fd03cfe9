"""The deploy files as an IT person runs them: every Procfile process starts, the site answers,
a due invitation goes out, everything stops cleanly; the systemd units start the same programs."""

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import database_url, free_port, make_due_wave, wait_for

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


def procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def exec_start(unit):
    text = (UNITS / unit).read_text().replace("\\\n", " ")  # join continued lines
    return re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1).split()


def test_the_procfile_has_the_release_step_and_the_four_long_running_processes():
    assert set(procfile()) == {"release", "web", "dispatch", "analytics", "beat"}


@pytest.mark.parametrize(
    "process, unit",
    [
        ("web", "zicht-web.service"),
        ("dispatch", "zicht-celery-dispatch.service"),
        ("analytics", "zicht-celery-analytics.service"),
        ("beat", "zicht-beat.service"),
    ],
)
def test_each_systemd_unit_starts_the_same_program_as_the_procfile(process, unit):
    in_procfile = procfile()[process].split()
    # systemd writes the host name as %H (its own %h is a home directory); Celery's %h means the same.
    in_unit = [word.replace("%H", "%h") for word in exec_start(unit)]
    assert Path(in_unit[0]).name == in_procfile[0]  # gunicorn or celery, from the virtualenv
    # The same application, role, queues and processes; where files live and which address to
    # listen on differ between the two setups (systemd: /opt/zicht, /var/lib/zicht, ZICHT_BIND).
    for word in in_procfile[1:]:
        if word in ("--bind", "--schedule", "--config") or "/" in word or "$" in word or word.startswith("0.0.0.0"):
            continue
        assert word in in_unit, f"{unit} lacks {word!r} from the Procfile's {process} line"


class ProcfileProcess:
    """One Procfile line run the way honcho/foreman do: `sh -c`, in its own process group."""

    def __init__(self, name, command, env, log_dir):
        self.name = name
        self.log_path = Path(log_dir) / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self):
        return self.process.poll() is None

    def terminate(self):
        """SIGTERM, as `systemctl stop` and honcho send; returns whether it ended within 30 s."""
        if not self.alive():
            return True
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
            return True
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            return False

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:]


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except OSError:
        return None, None


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_the_procfile_runs_end_to_end(postgres, redis_server, provider, tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PORT=str(port),
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=redis_server.url,
        ZICHT_DATA_DIR=str(tmp_path),
        ZICHT_SECRET_KEY="procfile-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ZICHT_DEBUG="false",
        ZICHT_DEV_PAGES="false",
        ZICHT_SMS_BACKEND="http",
        ZICHT_SMS_API_URL=provider.url,
        ZICHT_SMS_API_KEY="k",
        ZICHT_DISPATCH_INTERVAL="1",
        WEB_CONCURRENCY="2",
        PYTHONUNBUFFERED="1",
    )
    commands = procfile()
    release = subprocess.run(["sh", "-c", commands["release"]], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert release.returncode == 0, release.stderr.decode()[-2000:]

    processes = [ProcfileProcess(name, commands[name], env, tmp_path) for name in ("web", "dispatch", "analytics", "beat")]
    try:
        wait_for(lambda: healthz(port)[0] == 200 or not all(p.alive() for p in processes), 60, "the web process")
        for process in processes:
            assert process.alive(), f"{process.name} stopped:\n{process.log_tail()}"
        status, health = healthz(port)
        assert status == 200 and health["database"] == "ok" and health["queue"] == "ok"

        people = make_due_wave(20)
        wait_for(lambda: provider.stats()["received"] >= len(people), 60, "the invitations to go out")
        assert sorted(m["to"] for m in provider.messages) == sorted(p.phone for p in people)
        assert provider.stats()["duplicates"] == 0
    finally:
        stopped = {process.name: process.terminate() for process in processes}
    assert all(stopped.values()), f"did not stop within 30 s after SIGTERM: {stopped}"
