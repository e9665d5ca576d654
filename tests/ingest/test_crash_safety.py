"""Crash safety: kill an ingest with SIGKILL part-way, run it again, and nothing is lost or doubled."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive_schema import audit
from archive_schema.blobs import open_blobs
from archive_schema.db import connect
from archive_schema.models import EvidenceItem, StageRun
from archive_schema.vocab import ItemState, StageState

FILES = 320


def make_corpus(root: Path) -> dict[str, str]:
    """FILES fictional documents in three languages and three formats; returns sha256 -> name."""
    from fpdf import FPDF

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    shas = {}
    for n in range(FILES):
        folder = root / f"box-{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        body = (f"Свідчення №{n}. Мене затримали {n % 28 + 1}.03.2022 і тримали в СІЗО №2.\n"
                f"Показания №{n}: задержан в Мелитополе.\nTestimony {n}: detained at the checkpoint.\n")
        if n % 10 == 0:
            pdf = FPDF()
            pdf.add_font("DejaVu", fname=font)
            pdf.set_font("DejaVu", size=11)
            pdf.set_creation_date(__import__("datetime").datetime(2024, 1, 1))
            for page in range(3):
                pdf.add_page()
                pdf.multi_cell(0, 6, f"{body}\nСторінка {page + 1}")
            path = folder / f"doc-{n:04d}.pdf"
            pdf.output(str(path))
        elif n % 10 == 1:
            path = folder / f"doc-{n:04d}.txt"
            path.write_bytes(body.encode("cp1251", errors="replace"))
        else:
            path = folder / f"doc-{n:04d}.txt"
            path.write_text(body, encoding="utf-8")
        shas[hashlib.sha256(path.read_bytes()).hexdigest()] = path.name
    return shas


def count_items(settings) -> int:
    database = connect(settings)
    try:
        with database.sessions() as session:
            return session.scalar(select(func.count()).select_from(EvidenceItem)) or 0
    except Exception:
        return 0  # schema not created yet
    finally:
        database.dispose()


def svidok(settings, *args, **kwargs):
    env = {**os.environ, "SVIDOK_HOME": str(settings.home), "SVIDOK_DATABASE_URL": settings.database_url}
    return subprocess.Popen([sys.executable, "-m", "search_api.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_stores_everything_exactly_once(settings, tmp_path):
    corpus = tmp_path / "corpus"
    shas = make_corpus(corpus)
    assert len(shas) == FILES

    first = svidok(settings, "ingest", str(corpus), "--json")
    deadline = time.monotonic() + 300
    while count_items(settings) < FILES // 3:
        assert first.poll() is None, f"ingest ended before it could be killed: {first.communicate()}"
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = count_items(settings)
    assert 0 < killed_at < FILES

    second = svidok(settings, "ingest", str(corpus), "--json")
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["failed"] == []
    assert summary["ok"] + summary["duplicate"] == FILES
    assert summary["duplicate"] >= killed_at - 1  # what the first run stored is recognised, not stored again

    database = connect(settings)
    with database.sessions() as session:
        items = session.execute(select(EvidenceItem.sha256, EvidenceItem.state, EvidenceItem.page_count)).all()
        assert sorted(sha for sha, _, _ in items) == sorted(shas)  # every file exactly once
        assert {state for _, state, _ in items} == {ItemState.processed.value}
        assert all(pages >= 1 for _, _, pages in items)
        running = session.scalar(select(func.count()).select_from(StageRun).where(
            StageRun.state != StageState.done.value))
        assert running == 0
        assert audit.verify_chain(session)[1] is None
    blobs = open_blobs(settings)
    assert sorted(blobs) == sorted(shas)  # no orphan, none missing
    assert list(blobs.tmp.iterdir()) == []  # the killed writer's partial file was swept
    database.dispose()
    verify = svidok(settings, "audit", "verify")
    assert verify.wait(timeout=120) == 0
