"""Shared plumbing for the scale-out benchmarks and fault scripts (not a test, not product code).

Each script gets its own PostgreSQL cluster under var/bench/<name>/ (durable: fsync and synchronous
commit on, unlike the test cluster), its own Redis, fake SMS provider and server processes on free
ports of 127.0.0.1, so a run never disturbs the test services or another benchmark.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
ZICHT = str(ROOT / ".venv" / "bin" / "zicht")
BENCH_DIR = Path(__file__).resolve().parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_json(url, payload=None, timeout=10):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


class Postgres:
    """A private PostgreSQL cluster. Durable settings, sized for a 2-core machine with a few GB."""

    def __init__(self, name, port=None, **settings):
        self.root = ROOT / "var" / "bench" / name
        self.data = self.root / "pg"
        self.port = port or free_port()
        self.bin = Path(os.environ.get("ZICHT_TEST_PG_BIN") or sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "max_connections": "300",
            "shared_buffers": "1GB",
            "max_wal_size": "8GB",
            "checkpoint_timeout": "15min",
            "fsync": "on",
            "synchronous_commit": "on",
            **settings,
        }
        self.runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command, check=True, **kwargs):
        return subprocess.run([*self.runas, *command], check=check, capture_output=True, text=True, **kwargs)

    def start(self, fresh=True):
        if fresh and self.root.exists():
            self.stop()
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "zicht", "--auth=trust", "-E", "UTF8")
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w",
                  "-o", f"-p {self.port} -k {self.root} {options}", "start")
        self._run(str(self.bin / "createdb"), "-h", str(self.root), "-p", str(self.port), "-U", "zicht", "zicht",
                  check=False)
        return self

    def stop(self, mode="fast"):
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        """pg_ctl restart: every connection is cut, the server is gone for a moment, then back."""
        started = time.monotonic()
        self.stop(mode)
        stopped = time.monotonic()
        self.start(fresh=False)
        return stopped - started, time.monotonic() - started

    @property
    def url(self):
        return f"postgres://zicht@127.0.0.1:{self.port}/zicht"

    def connect(self, **kwargs):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="zicht", dbname="zicht", **kwargs)

    def data_size(self):
        with self.connect() as conn:
            return conn.execute("SELECT pg_size_pretty(pg_database_size('zicht'))").fetchone()[0]


class Redis:
    def __init__(self, name):
        self.root = ROOT / "var" / "bench" / name
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the script, which stops Redis itself
        )
        wait_for(lambda: port_open(self.port), 10, "redis")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def zicht_env(database_url, broker_url="", **extra):
    """Environment of a production-like zicht process (DEBUG off, no development pages)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZICHT_", "CELERY_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        ZICHT_DATA_DIR=str(ROOT / "var" / "bench" / "data"),
        ZICHT_SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz",
        ZICHT_DEBUG="false",
        ZICHT_DEV_PAGES="false",
        ZICHT_LOG_LEVEL="WARNING",
        ZICHT_DB_CONN_MAX_AGE="60",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def setup_django(env):
    """Configure Django in this process with ``env`` (call once, before any zicht import)."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = env.get("DJANGO_SETTINGS_MODULE", "zicht.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def migrate(env):
    subprocess.run([ZICHT, "migrate", "--verbosity", "0"], env=env, check=True, timeout=900)


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, command, env, log_path, cwd=None):
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True, cwd=cwd or ROOT)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout=20):
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait()

    def tail(self, chars=3000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def start_fake_provider(log_dir, *options):
    port = free_port()
    process = Process([PYTHON, "-m", "zicht.messaging.fakeprovider", "--port", str(port), *options],
                      dict(os.environ, PYTHONPATH=str(ROOT / "src")), Path(log_dir) / "fakeprovider.log")
    wait_for(lambda: port_open(port), 20, "the fake SMS provider")
    return process, f"http://127.0.0.1:{port}"


def celery_command(*args, clock_offset=None, clock_file=None):
    """`celery -A zicht.celery …`, optionally with the injected clock of bench/_traveled.py."""
    if clock_offset is None:
        return [PYTHON, "-m", "celery", "-A", "zicht.celery", *args]
    launcher = [PYTHON, str(BENCH_DIR / "_traveled.py"), "--offset", str(clock_offset)]
    if clock_file:
        launcher += ["--clock-file", str(clock_file)]
    return [*launcher, "--", "-A", "zicht.celery", *args]


def fresh_beat_schedule(path):
    """Path for beat's schedule file, with any file of an earlier run removed: a stale file's
    "last run" times (from a later injected clock) would make beat wait instead of ticking."""
    for old in Path(path).parent.glob(Path(path).name + "*"):
        old.unlink()
    return str(path)


def gunicorn_command(bind, workers, threads, access_log, app="zicht.wsgi:application", config=None):
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), app, "--config", str(config or ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", bind, "--workers", str(workers), "--access-logfile", str(access_log)]
    if threads:
        command += ["--threads", str(threads)]
    return command


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def exit_cleanly_on_signals():
    """SIGTERM/SIGINT end the script through its ``finally`` blocks, so servers it started are stopped."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def machine():
    exit_cleanly_on_signals()
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.1f} at start"
