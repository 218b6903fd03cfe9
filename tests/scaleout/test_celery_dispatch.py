"""The scale-out engine: Celery workers + beat on PostgreSQL and Redis send each invitation exactly once,
also when a worker is killed with -9 or Redis goes away for a while."""

import time

import pytest

from .conftest import assert_each_delivered_once, make_due_wave, wait_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(90)]


def test_celery_worker_and_beat_deliver_each_invitation_once(celery_worker, provider):
    worker = celery_worker()  # starts while the wave is written (one transaction)
    people = make_due_wave(300)
    wait_for(
        lambda: provider.stats()["received"] >= len(people) or not worker.alive(), 45, "the wave to go out"
    )
    assert worker.alive(), worker.log_tail()
    time.sleep(0.3)  # passes still running must not send anything more
    assert_each_delivered_once(provider, people)
    assert provider.stats()["duplicates"] == 0  # SKIP LOCKED: no row was ever claimed twice


def test_kill_minus_9_of_a_celery_worker_mid_wave_then_restart(celery_worker, provider):
    provider.delay = 0.02  # slow enough that the kill lands mid-wave
    worker = celery_worker()
    people = make_due_wave(400)
    wait_for(lambda: provider.stats()["received"] >= 100 or not worker.alive(), 45, "the wave to start")
    worker.kill_9()
    at_kill = provider.stats()["received"]
    assert at_kill < len(people), "the wave finished before the kill; nothing was tested"
    time.sleep(0.3)
    assert provider.stats()["received"] == at_kill, "something still sent after kill -9"

    restarted = celery_worker()  # claims of the dead worker expire after its 3 s lease
    wait_for(lambda: provider.stats()["received"] >= len(people) or not restarted.alive(), 45, "the rest")
    assert restarted.alive(), restarted.log_tail()
    time.sleep(0.3)
    assert_each_delivered_once(provider, people)
    print(
        f"\nkill -9 after {at_kill}/{len(people)}; resends the provider recognised: "
        f"{provider.stats()['duplicates']}"
    )


def test_redis_outage_during_dispatch_resumes_without_loss_or_doubles(celery_worker, redis_server, provider):
    provider.delay = 0.05  # slow and large enough that passes already running cannot finish the wave
    worker = celery_worker()
    people = make_due_wave(1000)
    wait_for(lambda: provider.stats()["received"] >= 80 or not worker.alive(), 45, "the wave to start")
    redis_server.stop()
    stopped_at = provider.stats()["received"]
    time.sleep(3)  # Redis is gone: beat cannot queue passes, workers lose their broker connection
    during = provider.stats()["received"] - stopped_at
    assert provider.stats()["received"] < len(people), (
        "the wave finished during the outage; nothing was tested"
    )
    redis_server.start()
    wait_for(
        lambda: provider.stats()["received"] >= len(people) or not worker.alive(), 45, "dispatch to resume"
    )
    assert worker.alive(), worker.log_tail()
    time.sleep(0.3)
    assert_each_delivered_once(provider, people)
    print(
        f"\nRedis stopped after {stopped_at}/{len(people)}; {during} sent by passes already running; "
        f"the rest after Redis came back"
    )
