"""The pipeline on Celery: the embedded broker (no server), Redis and RabbitMQ (the servers on this machine)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive_schema.db import connect
from archive_schema.models import EvidenceItem, Page
from archive_schema.vocab import ItemState
from tests.conftest import make_settings

BROKERS = {
    "embedded": None,  # the default: kombu's SQLAlchemy transport on SQLite in SVIDOK_HOME
    "redis": "redis://127.0.0.1:6379/7",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


def run(env, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "search_api.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("broker", BROKERS)
def test_queued_ingest_is_processed_by_a_worker(broker, tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for n in range(6):
        (corpus / f"letter-{n}.txt").write_text(f"Лист №{n} з колонії.\fСторінка друга листа {n}.", "utf-8")
    env = {**os.environ, "SVIDOK_HOME": str(tmp_path / "home")}
    if BROKERS[broker]:
        env["SVIDOK_BROKER_URL"] = BROKERS[broker]
    settings = make_settings(tmp_path / "home", **({"SVIDOK_BROKER_URL": BROKERS[broker]} if BROKERS[broker] else {}))

    queued = run(env, "ingest", str(corpus), "--queue", "--json")
    assert queued.returncode == 0, queued.stderr
    assert json.loads(queued.stdout.splitlines()[-1])["queued"] == 6

    worker = subprocess.Popen([sys.executable, "-m", "search_api.cli", "worker", "--concurrency", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        database = connect(settings)
        deadline = time.monotonic() + 120
        while True:
            with database.sessions() as session:
                states = dict(session.execute(select(EvidenceItem.state, func.count())
                                              .group_by(EvidenceItem.state)).all())
            if states == {ItemState.processed.value: 6}:
                break
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, f"not processed in time: {states}"
            time.sleep(0.3)
        with database.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Page)) == 12
        # the same work sent again is a no-op: stages are keyed by (sha256, stage, version)
        again = run(env, "ingest", str(corpus), "--queue", "--json")
        assert json.loads(again.stdout.splitlines()[-1])["duplicate"] == 6
        time.sleep(3)
        with database.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Page)) == 12
        database.dispose()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
