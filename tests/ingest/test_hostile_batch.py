"""One batch of good files mixed with hostile ones: each bad file fails with a clear reason, the good ones are
all stored and processed, nothing is written outside SVIDOK_HOME, and memory stays bounded."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from archive_schema.db import connect
from archive_schema.models import EvidenceItem, Page
from tests.conftest import make_settings
from tests.fixtures import files

MiB = 1024 * 1024


def ingest_measuring_peak(paths: list[Path], home: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run `svidok ingest --json` and return its result and its peak RSS in MB (VmHWM, polled)."""
    env = {**os.environ, "SVIDOK_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "search_api.cli", "ingest", *map(str, paths), "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_kb, deadline = 0, time.monotonic() + 900
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), peak_kb / 1024


def snapshot(root: Path, skip: Path) -> dict[str, int]:
    out = {}
    for folder, _dirs, names in os.walk(root):
        if Path(folder) == skip or skip in Path(folder).parents:
            continue
        for name in names:
            path = Path(folder) / name
            out[str(path)] = path.lstat().st_size
    return out


@pytest.mark.slow
def test_hostile_batch(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    good = {
        "testimony.pdf": files.pdf(batch, [files.UK, files.RU, files.EN], name="testimony.pdf"),
        "decision.docx": files.docx(batch),
        "statement.txt": files.text(batch, files.UK),
        "cp1251.txt": files.text(batch, files.RU, encoding="cp1251", name="cp1251.txt"),
        "page.html": files.html(batch),
        "letter.eml": files.eml(batch),
    }
    (batch / "empty.pdf").write_bytes(b"")
    files.truncated_pdf(batch)
    files.pdf(batch, [files.EN], name="locked.pdf", user_password="s3cret")
    files.pdf_declaring_pages(batch)
    files.zip_bomb(batch)
    files.zip_with_hostile_names(batch)
    files.garbage(batch, "not-really-text.txt")
    (batch / "invalid-utf8.txt").write_bytes(b"\xff\xfe\xfa\x00\x9d" * 300 + b"\xc3\x28" * 50)
    os.symlink("/etc/passwd", batch / "passwd-link.txt")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("not part of the batch")
    os.symlink(outside, batch / "dir-link")
    huge = batch / "huge-recording.txt"
    with huge.open("wb") as fh:  # 500 MB, sparse on disk: reading it still streams 500 MB
        fh.truncate(500 * MiB)

    # what one small good file costs (the language models dominate): the baseline the batch is held to
    _, baseline_mb = ingest_measuring_peak([good["statement.txt"]], tmp_path / "baseline-home")
    home = tmp_path / "home"
    before = snapshot(tmp_path, home)
    proc, peak_rss_mb = ingest_measuring_peak([batch], home)
    assert proc.returncode == 1, proc.stderr  # something failed, so the exit status says so
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    reasons = {Path(f["path"]).name if "!" not in f["path"] else f["path"].split("!", 1)[1]: f["reason"]
               for f in summary["failed"]}

    assert "empty file (0 bytes)" in reasons["empty.pdf"]
    assert "damaged PDF" in reasons["truncated.pdf"]
    assert "encrypted PDF" in reasons["locked.pdf"]
    assert "millions.pdf" not in reasons  # PDFium reads the one real page; the forged /Count is ignored
    assert "ZIP bomb" in reasons["bomb.zip"]
    assert "symbolic link" in reasons["passwd-link.txt"]
    assert "symbolic link" in reasons["dir-link"]
    assert "too large to extract" in reasons["huge-recording.txt"]
    for hostile in ("../../etc/x", "/etc/x", "link-to-passwd"):
        assert hostile in reasons, f"{hostile} not reported: {sorted(reasons)}"
    for name in good:
        assert name not in reasons, reasons.get(name)

    database = connect(make_settings(home))
    with database.sessions() as session:
        by_sha = {i.sha256: i for i in session.scalars(select(EvidenceItem))}
        items = {i.filename: i for i in by_sha.values()}
        for name, path in good.items():
            item = by_sha[hashlib.sha256(path.read_bytes()).hexdigest()]
            assert item.state == "processed", (name, item.error)
            assert item.page_count >= 1
        # members of the hostile ZIP with good names were stored
        assert items["also-good.txt"].state == "processed"
        # originals of failed files are kept, with their reason
        assert items["truncated.pdf"].state == "failed" and "damaged" in items["truncated.pdf"].error
        assert items["huge-recording.txt"].size == 500 * MiB
        assert (items["millions.pdf"].state, items["millions.pdf"].page_count) == ("processed", 1)
        texts = " ".join(session.scalars(select(Page.text)))
    database.dispose()
    assert "root:x:0:0" not in texts  # /etc/passwd never entered the archive
    assert "Олени Петренко" in texts

    after = snapshot(tmp_path, home)
    assert after == before, "files were written outside SVIDOK_HOME"
    assert not Path("/etc/x").exists()
    # the 500 MB file, the bomb and the rest stream: the batch costs little more than one small file
    print(f"peak RSS: hostile batch {peak_rss_mb:.0f} MB, one small file {baseline_mb:.0f} MB")
    assert peak_rss_mb < baseline_mb + 250, \
        f"peak RSS {peak_rss_mb:.0f} MB against {baseline_mb:.0f} MB for one small file: something was held in memory"
