"""One batch of good files mixed with hostile ones: each bad file fails with a clear reason, the good ones are
all stored and processed, nothing is written outside SVIDOK_HOME, and memory stays bounded."""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from archive_schema.db import connect
from archive_schema.models import EvidenceItem, Page
from tests.conftest import make_settings
from tests.fixtures import files

MiB = 1024 * 1024


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

    home = tmp_path / "home"
    before = snapshot(tmp_path, home)
    env = {**os.environ, "SVIDOK_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "search_api.cli", "ingest", str(batch), "--json"], env=env,
                          capture_output=True, text=True, timeout=900)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert proc.returncode == 1, proc.stderr  # something failed, so the exit status says so
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    reasons = {Path(f["path"]).name if "!" not in f["path"] else f["path"].split("!", 1)[1]: f["reason"]
               for f in summary["failed"]}

    assert "empty file (0 bytes)" in reasons["empty.pdf"]
    assert "damaged PDF" in reasons["truncated.pdf"]
    assert "encrypted PDF" in reasons["locked.pdf"]
    assert "5,000,000 pages" in reasons["millions.pdf"]
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
        texts = " ".join(session.scalars(select(Page.text)))
    database.dispose()
    assert "root:x:0:0" not in texts  # /etc/passwd never entered the archive
    assert "Олени Петренко" in texts

    after = snapshot(tmp_path, home)
    assert after == before, "files were written outside SVIDOK_HOME"
    assert not Path("/etc/x").exists()
    assert peak_rss_mb < 400, f"peak RSS {peak_rss_mb:.0f} MB: a large file was held in memory"
