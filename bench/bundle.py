"""Bundle bench: seconds and peak RSS to export a 1,000-page bundle (goal: under 20 s and under 500 MB).

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bundle.py [--pages 1000] [--forum echr icc] [--keep]

1. Generates a fictional case's evidence in a temporary directory: text-layer PDFs of 50 pages (80 % of the
   pages), DOCX letters of 5 pages (10 %) and JPEG photos carrying EXIF/GPS (10 %, one page each).
2. Ingests it into a fresh temporary ``SVIDOK_HOME`` (store + extract; NLP is not needed to export) and builds
   a case: one exhibit per file (all its pages), a chronology of 40 dated entries, an anonymous witness.
3. Exports the bundle in a child process per forum and reports its wall-clock seconds (``export_bundle`` alone,
   timed inside the child, also as CPU seconds, which a loaded machine changes less, and the whole child with
   its imports) and the child's peak RSS (``getrusage``), then
   checks the bundle with ``verify_bundle``, whose time is printed too.

Nothing is written into the repository and nothing is asserted: this prints figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PDF_PAGES, DOCX_PAGES = 50, 5
LINES = ["Протокол допиту свідка. Свідок повідомив, що 14 березня 2022 року його затримали на блокпосту.",
         "Показания свидетеля: в СИЗО-2 задержанных держали по двенадцать человек в камере.",
         "The detainee was transferred on 2 April 2022; the family received no notice of the transfer.",
         "Медична довідка: множинні гематоми, перелом ребра, ознаки тривалого недоїдання."]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("SVIDOK_") and k.endswith("_URL"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["SVIDOK_HOME"] = str(home)
    env["SVIDOK_STAGES"] = "extract"
    return env


def generate(folder: Path, pages: int) -> dict[str, int]:
    """The evidence files; returns how many pages of each kind."""
    import docx as python_docx
    from fpdf import FPDF
    from PIL import Image

    kinds = {"pdf": 0, "docx": 0, "image": 0}
    n = 0
    while kinds["pdf"] < pages * 0.8:
        document = FPDF()
        document.add_font("DejaVu", fname=FONT)
        document.set_font("DejaVu", size=11)
        for page in range(PDF_PAGES):
            document.add_page()
            for line in range(18):
                document.multi_cell(0, 6, f"{n}.{page}.{line} " + LINES[(page + line) % len(LINES)],
                                    new_x="LMARGIN", new_y="NEXT")
        document.output(str(folder / f"record_{n:03d}.pdf"))
        kinds["pdf"] += PDF_PAGES
        n += 1
    while kinds["docx"] < pages * 0.1:
        document = python_docx.Document()
        for page in range(DOCX_PAGES):
            if page:
                document.add_page_break()
            for line in range(8):
                document.add_paragraph(f"Лист {n}, сторінка {page + 1}. " + LINES[line % len(LINES)])
        document.save(str(folder / f"letter_{n:03d}.docx"))
        kinds["docx"] += DOCX_PAGES
        n += 1
    while kinds["pdf"] + kinds["docx"] + kinds["image"] < pages:
        image = Image.new("RGB", (1600, 1200), ((n * 37) % 255, (n * 91) % 255, (n * 53) % 255))
        exif = Image.Exif()
        exif[0x010F] = "FictionalCam"
        exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
        image.save(folder / f"photo_{n:03d}.jpg", format="JPEG", quality=90, exif=exif.tobytes())
        kinds["image"] += 1
        n += 1
    return kinds


def build_case(home: Path, folder: Path) -> str:
    from sqlalchemy import select

    from archive_schema import cases
    from archive_schema.models import EvidenceItem
    from archive_schema.settings import Settings
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context

    ctx = Context.open(Settings.from_env(_env(home)))
    try:
        summary = ingest_paths(ctx, [folder])
        if summary.failed:
            raise SystemExit(f"ingest failed: {summary.failed}")
        with ctx.db.sessions.begin() as session:
            case = cases.create_case(session, forum="icc", title="Fictional communication: detentions",
                                     reference="BENCH-1", exhibit_prefix="A", respondent_state="Russia",
                                     sections={"summary": "A fictional case for the bundle bench."})
            cases.add_person(session, case.id, "Fictional Witness", "witness", anonymous=True, pseudonym="W-1")
            items = session.scalars(select(EvidenceItem).order_by(EvidenceItem.filename))
            exhibits = []
            for n, item in enumerate(items):
                exhibits.append(cases.add_exhibit(session, case.id, item.id, date=dt.date(2022, 3, 1)
                                                  + dt.timedelta(days=(n * 7) % 300)))
            for n in range(40):
                exhibit = exhibits[n % len(exhibits)]
                cases.add_chronology_entry(session, case.id, dt.date(2022, 3, 1) + dt.timedelta(days=n * 5),
                                           f"Fact {n}: a transfer between facilities, seen by W-1.",
                                           refs=[(exhibit.id, exhibit.page_start, exhibit.page_start)])
            return case.id
    finally:
        ctx.close()


def export_child(home: str, case_id: str, forum: str, out: str) -> None:
    """Runs in the child: export once; print as JSON the seconds ``export_bundle`` took and the peak RSS."""
    from archive_schema import policy
    from archive_schema.settings import Settings
    from ingest.bundle import export_bundle
    from ingest.pipeline import Context

    ctx = Context.open(Settings.from_env(_env(Path(home))))
    try:
        with policy.acting_as(policy.operator()):
            start, cpu = time.perf_counter(), time.process_time()
            result = export_bundle(ctx, case_id, forum, Path(out), actor="bench")
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        ctx.close()
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "pages": result.pages, "peak_rss_mb": peak}))


def measure(home: Path, case_id: str, forum: str, out: Path) -> dict:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--export-child", str(home), case_id, forum, str(out)],
                             env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"export failed: {stderr[-2000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["child_seconds"] = wall
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--forum", nargs="+", default=["echr", "icc"], choices=["echr", "icc"])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    parser.add_argument("--export-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    from ingest.bundle import verify_bundle

    root = Path(tempfile.mkdtemp(prefix="svidok-bench-bundle-"))
    try:
        folder, home = root / "files", root / "home"
        folder.mkdir()
        start = time.perf_counter()
        kinds = generate(folder, args.pages)
        print(f"generated {sum(kinds.values())} exhibit pages ({kinds}) in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        case_id = build_case(home, folder)
        print(f"ingested (store + extract) and built the case in {time.perf_counter() - start:.1f} s")
        print(f"load average before exporting: {' '.join(f'{v:.1f}' for v in os.getloadavg())} "
              f"({os.cpu_count()} CPUs)")
        for forum in args.forum:
            out = root / f"{forum}.zip"
            figures = measure(home, case_id, forum, out)
            start = time.perf_counter()
            problems = verify_bundle(out)
            verify_seconds = time.perf_counter() - start
            print(f"{forum}: {figures['pages']} bundle pages, export {figures['seconds']:.1f} s "
                  f"({figures['cpu_seconds']:.1f} s of CPU; child process with imports "
                  f"{figures['child_seconds']:.1f} s), peak RSS "
                  f"{figures['peak_rss_mb']:.0f} MB, {out.stat().st_size / 1e6:.1f} MB ZIP; verify "
                  f"{verify_seconds:.1f} s, {'intact' if not problems else problems[:3]}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
