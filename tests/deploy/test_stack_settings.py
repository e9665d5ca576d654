"""The compose stack's settings, pointed at the servers on this machine: PostgreSQL, Redis as the broker, an S3
server (moto, over HTTP, as MinIO would be) through AWS_ENDPOINT_URL, and an Elasticsearch URL carrying
credentials. `svidok ingest --queue` + a `svidok worker` process the corpus; search finds it."""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import boto3
import pytest

from tests.deploy.conftest import empty_postgres
from tests.deploy.compose_file import filled_env, interpolate, load_compose
from tests.storage.conftest import s3_endpoint  # noqa: F401 (the moto S3 server over HTTP, a fixture)

REDIS_DB = 11  # other tests use 7; the ingest bench 12


def local_env(compose_env: dict, *, database: str, s3: str, bucket: str, home) -> dict[str, str]:
    """The compose environment with each server's address swapped for the one on this machine (scheme, path
    and the variables themselves unchanged); the local Redis has no password, the compose one has."""
    env = {k: str(v) for k, v in compose_env.items()}
    assert urlsplit(env["SVIDOK_DATABASE_URL"]).scheme == urlsplit(database).scheme == "postgresql+psycopg"
    env["SVIDOK_DATABASE_URL"] = database
    broker = urlsplit(env["SVIDOK_BROKER_URL"])
    env["SVIDOK_BROKER_URL"] = broker._replace(netloc="127.0.0.1:6379", path=f"/{REDIS_DB}").geturl()
    blob = urlsplit(env["SVIDOK_BLOB_URL"])
    env["SVIDOK_BLOB_URL"] = blob._replace(netloc=bucket).geturl()
    env["AWS_ENDPOINT_URL"] = s3
    env["SVIDOK_HOME"] = str(home)
    env["SVIDOK_SEARCH_URL"] = ""  # no Elasticsearch server here: see the osmem test below for the URL
    env["SVIDOK_STAGES"] = "extract"
    return env


def progress(database_url: str) -> tuple[dict[str, int], int]:
    """(items per state, index writes pending), read here rather than by starting `svidok status` each time."""
    from sqlalchemy import create_engine, func, select

    from archive_schema.models import EvidenceItem, Outbox

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            states = dict(conn.execute(select(EvidenceItem.state, func.count()).group_by(EvidenceItem.state)).all())
            pending = conn.scalar(select(func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None)))
    finally:
        engine.dispose()
    return states, pending


def ingest_here(settings, folder) -> None:
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context

    ctx = Context.open(settings)
    try:
        assert not ingest_paths(ctx, [folder]).failed
    finally:
        ctx.close()


def search_here(settings, words: str) -> list[tuple]:
    from archive_schema.search import Access, Query
    from ingest.pipeline import Context

    ctx = Context.open(settings)
    try:
        ctx.search.refresh()
        results = ctx.search.search(Query.parse(words, access=Access.everything()))
        return [(h.item_id, h.title, [(p.page_number, p.snippet) for p in h.pages]) for h in results.items]
    finally:
        ctx.close()


def run(env, *args, timeout=180):
    return subprocess.run([sys.executable, "-m", "search_api.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def test_compose_settings_work_on_postgres_redis_and_s3(tmp_path, postgres_url, s3_endpoint, corpus):
    compose = interpolate(load_compose(), filled_env())
    bucket = f"svidok-{secrets.token_hex(4)}"
    env = local_env(compose["services"]["worker"]["environment"], database=postgres_url, s3=s3_endpoint,
                    bucket=bucket, home=tmp_path / "home")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name=env["AWS_DEFAULT_REGION"],
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket=bucket)  # minio-setup's job in compose
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()

    migrated = run(env, "db", "upgrade")  # the migrate service
    assert migrated.returncode == 0, migrated.stderr
    queued = run(env, "ingest", str(corpus), "--queue", "--json")
    assert queued.returncode == 0, queued.stderr
    assert json.loads(queued.stdout.splitlines()[-1])["queued"] == 4

    worker = subprocess.Popen([sys.executable, "-m", "search_api.cli", "worker", "--concurrency", "1"],
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            status = progress(env["SVIDOK_DATABASE_URL"])
            if status == ({"processed": 4}, 0):
                break
            assert worker.poll() is None, worker.stderr.read()[-3000:]
            assert time.monotonic() < deadline, f"not processed in time: {status}"
            time.sleep(1)
        # the worker container's healthcheck, run as compose would run it, answers through Redis
        probe = compose["services"]["worker"]["healthcheck"]["test"]
        health = subprocess.run([sys.executable, *probe[2:]], env={**os.environ, **env}, capture_output=True,
                                text=True, timeout=60)
        assert health.returncode == 0, health.stderr[-2000:]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()

    found = run(env, "search", "Коваленко", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["total_items"] >= 2
    # the originals are in the S3 bucket, encrypted at rest (no plaintext in the stored objects)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 4 and all(k.startswith("originals/") for k in keys)
    for key in keys:
        assert "Коваленк".encode() not in s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_backup_and_restore_between_s3_buckets_keep_the_stored_bytes(tmp_path, postgres_url, s3_endpoint, corpus,
                                                                       monkeypatch):
    from archive_schema.backup import backup, restore
    from archive_schema.settings import Settings

    compose = interpolate(load_compose(), filled_env())["services"]["app"]["environment"]
    buckets = [f"svidok-{secrets.token_hex(4)}" for _ in range(2)]
    source = local_env(compose, database=postgres_url, s3=s3_endpoint, bucket=buckets[0], home=tmp_path / "a")
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, source[name])  # boto3 reads them from the environment, in this process too
    s3 = boto3.client("s3")
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    ingest_here(Settings.from_env(source), corpus)
    made = backup(Settings.from_env(source), tmp_path / "backup")
    assert made.blobs == 4 and made.key_ids
    with empty_postgres() as other:
        target = local_env(compose, database=other, s3=s3_endpoint, bucket=buckets[1], home=tmp_path / "b")
        target["SVIDOK_MASTER_KEY_FILE"] = str(tmp_path / "a" / "keys" / "master.key")
        restored = restore(Settings.from_env(target), tmp_path / "backup")
        assert restored.blobs == 4 and restored.indexed_pages == 6
        stored = [{o["Key"]: s3.get_object(Bucket=b, Key=o["Key"])["Body"].read()
                   for o in s3.list_objects_v2(Bucket=b)["Contents"]} for b in buckets]
        assert stored[0] == stored[1]  # the same encrypted bytes under the same names
        before, after = (search_here(Settings.from_env(env), "Marchuk") for env in (source, target))
        assert before and after == before


def test_search_url_credentials_reach_elasticsearch_as_basic_auth_and_stay_out_of_messages(tmp_path):
    from archive_schema.search import SearchError, open_search
    from tests.search.conftest import PlainJsonNode

    seen = []

    class Recording(PlainJsonNode):
        def perform_request(self, method, target, body=None, headers=None, **kwargs):
            seen.append(self._headers.get("authorization"))
            return super().perform_request(method, target, body=body, headers=headers, **kwargs)

    from osmem_server import OsmemServer

    server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    try:
        url = urlsplit(server.url)._replace(netloc=f"svidok:p%40ss@{urlsplit(server.url).netloc}").geturl()
        backend = open_search(url, tmp_path, prefix=f"t{secrets.token_hex(4)}", node_class=Recording)
        backend.close()
    finally:
        server.close()
    assert seen and set(seen) == {"Basic " + base64.b64encode(b"svidok:p@ss").decode()}
    with pytest.raises(SearchError) as failed:  # nobody listens on port 9: the message names no password
        open_search("http://svidok:hunter2@127.0.0.1:9", tmp_path, request_timeout=1, max_retries=0)
    assert "hunter2" not in str(failed.value) and "svidok:***@127.0.0.1:9" in str(failed.value)
