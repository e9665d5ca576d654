"""Ingest bench: pages/s end to end, per stage and per PDF extractor, with peak memory.

    PYTHONPATH=. .venv/bin/python bench/ingest.py [--pages 2000] [--corpus DIR] [--sample 200] [--keep]

1. Generates a mixed UK/RU/EN corpus of ``--pages`` pages (``ingest.demo_corpus.generate_pages_corpus``: PDF
   with a text layer mostly, some DOCX and TXT) into a temporary directory, or uses ``--corpus DIR``.
2. End to end: ``svidok ingest DIR --json`` (the real CLI: store + extract, no NLP) into a fresh temporary
   ``SVIDOK_HOME`` on the default local backends (SQLite, local blob store; ``SVIDOK_*_URL`` are ignored here).
3. Each stage alone, for the "end to end within 70 % of the slowest stage" goal: *store* = ``receive()`` of every
   file (hash, blob, item row, custody event) into another fresh home; *extract* = the pipeline's own extractors
   (``ingest.extractors.choose``) over every file, no database.
4. Each PDF engine alone on the PDF files (``ingest.extractors.pdf.pdfminer_pages`` / ``pdfium_pages``), and how
   equal their text is: share of pages identical after whitespace normalisation, and a difflib character
   similarity on a sample of pages.

With ``--workers N [N …]`` it measures scale-out instead: ingest through the Redis broker
(``svidok ingest --queue``) processed by N separate ``svidok worker --concurrency 1`` processes (one process per
worker, as ``docker compose up --scale worker=N`` runs them), on PostgreSQL (a fresh database per run) or
``--db sqlite``. The workers are started and warmed up first (a few small files, so module imports and NLP models
are loaded), then the clock runs from the start of what ``svidok ingest --queue`` does (``ingest_paths`` with the Celery
sender, in the bench's own process, so the CLI's start-up is not timed) until every item is in a final
state and every index write is done. Each N is run ``--repeat`` times, interleaved (1, 2, 1, 2 …), so a change in
the machine's load hits both alike; the load average is printed with each run.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/ingest.py --workers 1 2 [--pages 300] [--repeat 2]

Every measurement runs in its own child process, so the peak RSS reported is that stage's own (os.wait4).
Times are wall-clock; the end-to-end figure includes the CLI's start-up. Nothing is written into the repository,
and nothing is asserted: this prints figures.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# this script is called ingest.py: its own folder first on sys.path would shadow the ``ingest`` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_URL_VARS = ("SVIDOK_DATABASE_URL", "SVIDOK_BLOB_URL", "SVIDOK_BROKER_URL", "SVIDOK_SEARCH_URL")


def _env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _URL_VARS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if home is not None:
        env["SVIDOK_HOME"] = str(home)
    return env


def _hwm(pid: int | str) -> int | None:
    """VmHWM (peak RSS of the process's current address space) in bytes, from /proc; None where unavailable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, str, str]:
    """Run a child; (wall seconds, exit status, peak RSS in bytes, stdout, stderr).

    Peak RSS is the child's own: its VmHWM polled from /proc until it exits. (getrusage's ru_maxrss is no good
    here: Linux carries the parent's high-water mark into the child across fork+exec.) Where /proc is missing
    it falls back to ru_maxrss, an upper bound.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=REPO)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _hwm(proc.pid) or 0)
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (elapsed, proc.returncode, peak or usage.ru_maxrss * 1024, out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"))


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and not p.is_symlink())


def _norm(text: str) -> str:
    return " ".join(text.split())


# --- child phases (run as `bench/ingest.py --phase NAME --corpus DIR`) ------------------------------------------

def phase_store(corpus: Path) -> dict:
    from archive_schema.settings import Settings
    from ingest.metadata import ItemMeta
    from ingest.pipeline import Context, receive

    ctx = Context.open(Settings.from_env())
    files = _files(corpus)
    start = time.perf_counter()
    for path in files:
        with path.open("rb") as stream:
            receive(ctx, stream, path.name, ItemMeta(), actor="bench", via="bench")
    seconds = time.perf_counter() - start
    ctx.close()
    return {"files": len(files), "seconds": seconds}


def phase_extract(corpus: Path) -> dict:
    from archive_schema.settings import Settings
    from ingest.extractors import SNIFF_BYTES, ExtractionError, Source, choose

    settings = Settings.from_env()
    files = _files(corpus)
    pages = failed = 0
    start = time.perf_counter()
    for path in files:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        source = Source(path, path.name, path.stat().st_size, head, settings)
        try:
            for _ in choose(source).pages(source):
                pages += 1
        except ExtractionError:
            failed += 1
    return {"files": len(files), "pages": pages, "failed": failed, "seconds": time.perf_counter() - start}


def phase_pdf(corpus: Path, engine: str, texts_out: Path) -> dict:
    from ingest.extractors.pdf import pdfium_pages, pdfminer_pages

    extract = {"pdfminer": pdfminer_pages, "pdfium": pdfium_pages}[engine]
    files = [p for p in _files(corpus) if p.suffix.lower() == ".pdf"]
    texts: dict[str, list[str]] = {}
    start = time.perf_counter()
    for path in files:
        texts[str(path.relative_to(corpus))] = list(extract(path))
    seconds = time.perf_counter() - start
    texts_out.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return {"files": len(files), "pages": sum(map(len, texts.values())), "seconds": seconds}


# --- the parent ------------------------------------------------------------------------------------------------

def _child(phase: str, corpus: Path, env: dict[str, str], *extra: str) -> dict:
    elapsed, code, rss, out, err = _run([sys.executable, __file__, "--phase", phase, "--corpus", str(corpus),
                                         *extra], env)
    if code != 0:
        raise SystemExit(f"bench phase {phase} failed (exit {code}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(rss=result.get("hwm") or rss, wall=elapsed)  # the child's own exact figure where it has one
    return result


def _stored_pages(home: Path) -> tuple[int, int, dict[str, int]]:
    from sqlalchemy import func, select

    from archive_schema.db import connect
    from archive_schema.models import EvidenceItem, Page
    from archive_schema.settings import Settings

    database = connect(Settings.from_env({"SVIDOK_HOME": str(home)}))
    try:
        with database.sessions() as session:
            pages = session.scalar(select(func.count()).select_from(Page))
            items = session.scalar(select(func.count()).select_from(EvidenceItem))
            states = dict(session.execute(select(EvidenceItem.state, func.count()).group_by(EvidenceItem.state)).all())
    finally:
        database.dispose()
    return pages, items, states


def _compare(a: dict[str, list[str]], b: dict[str, list[str]], sample: int) -> dict:
    pairs = []
    page_count_mismatch = 0
    for name in sorted(a):
        pa, pb = a[name], b.get(name, [])
        if len(pa) != len(pb):
            page_count_mismatch += 1
        pairs += [(_norm(x), _norm(y)) for x, y in zip(pa, pb)]
    identical = sum(x == y for x, y in pairs)
    step = max(1, len(pairs) // max(1, sample))
    picked = pairs[::step][:sample]
    ratios = [difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() for x, y in picked]
    chars_a, chars_b = sum(len(x) for x, _ in pairs), sum(len(y) for _, y in pairs)
    return {"pages": len(pairs), "identical": identical, "sampled": len(picked),
            "ratio_mean": sum(ratios) / len(ratios) if ratios else 1.0, "ratio_min": min(ratios, default=1.0),
            "chars_a": chars_a, "chars_b": chars_b, "files_with_other_page_count": page_count_mismatch,
            "example": next((_first_difference(x, y) for x, y in picked if x != y), None)}


def _first_difference(x: str, y: str, context: int = 50) -> tuple[str, str]:
    i = next((i for i, (cx, cy) in enumerate(zip(x, y)) if cx != cy), min(len(x), len(y)))
    lo = max(0, i - context)
    return x[lo:i + context], y[lo:i + context]


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f}"


# --- scale-out: N worker processes on the Redis broker ----------------------------------------------------------

REDIS_DB = 12  # the tests use 7 and 11
FINAL_STATES = ("processed", "failed", "needs_ocr")


def _progress(database_url: str) -> tuple[int, int, int, int]:
    """(items, items in a final state, pages, index writes pending) in the run's database."""
    from sqlalchemy import create_engine, func, select

    from archive_schema.models import EvidenceItem, Outbox, Page

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            items = conn.scalar(select(func.count()).select_from(EvidenceItem))
            final = conn.scalar(select(func.count()).select_from(EvidenceItem)
                                .where(EvidenceItem.state.in_(FINAL_STATES)))
            pages = conn.scalar(select(func.count()).select_from(Page))
            pending = conn.scalar(select(func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None)))
    finally:
        engine.dispose()
    return items, final, pages, pending


def _wait_done(database_url: str, expected_items: int, workers: list[subprocess.Popen], timeout: float) -> tuple:
    deadline = time.monotonic() + timeout
    while True:
        items, final, pages, pending = _progress(database_url)
        if items >= expected_items and final == items and pending == 0:
            return items, pages
        for w in workers:
            if w.poll() is not None:
                raise SystemExit(f"a worker exited (status {w.returncode}):\n{w.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"not done after {timeout:.0f} s: {final}/{items} items final, {pending} index writes")
        time.sleep(0.25)


def _fresh_database(kind: str, home: Path):
    """(database URL, function dropping it afterwards)."""
    if kind == "sqlite":
        return f"sqlite:///{home / 'svidok.db'}", lambda: None
    from bench.postgres import fresh_database

    return fresh_database()


def run_workers(n: int, corpus: Path, warmup: Path, work: Path, args: argparse.Namespace) -> dict:
    import redis

    home = work / f"home-w{n}-{time.monotonic_ns()}"
    database_url, drop = _fresh_database(args.db, home)
    broker = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()
    env = {**_env(home), "SVIDOK_DATABASE_URL": database_url, "SVIDOK_BROKER_URL": broker,
           "SVIDOK_STAGES": args.stages}
    cli = [sys.executable, "-m", "search_api.cli"]
    workers: list[subprocess.Popen] = []
    try:
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=REPO)
        # open the database once so its column key exists: N workers starting at once would race to create it
        subprocess.run([*cli, "status"], env=env, check=True, capture_output=True, cwd=REPO)
        for _ in range(n):
            workers.append(subprocess.Popen([*cli, "worker", "--concurrency", "1", "--loglevel", "WARNING"], env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO))
        warm = subprocess.run([*cli, "ingest", str(warmup), "--queue", "--json"], env=env, capture_output=True,
                              text=True, cwd=REPO)
        warm_items = json.loads(warm.stdout.splitlines()[-1])["queued"]
        _, warm_pages = _wait_done(database_url, warm_items, workers, args.timeout)
        # what `svidok ingest --queue` does, in this process (already started: the CLI's start-up is not timed)
        from archive_schema.settings import Settings
        from ingest import tasks
        from ingest.bulk import ingest_paths
        from ingest.pipeline import Context

        settings = Settings.from_env(env)
        ctx = Context.open(settings)
        tasks.configure(settings)
        load_before = os.getloadavg()
        start = time.perf_counter()
        try:
            summary = ingest_paths(ctx, [corpus], queue=tasks.send)
        finally:
            ctx.close()
        queue_seconds = time.perf_counter() - start
        items, pages = _wait_done(database_url, warm_items + summary.queued, workers, args.timeout)
        seconds = time.perf_counter() - start
        load_after = os.getloadavg()
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=60)
            except subprocess.TimeoutExpired:
                w.kill()
        drop()
    return {"workers": n, "items": items - warm_items, "pages": pages - warm_pages, "seconds": seconds,
            "queue_seconds": queue_seconds, "load": (load_before[0], load_after[0])}


def bench_workers(args: argparse.Namespace, work: Path) -> int:
    from ingest.demo_corpus import generate_pages_corpus

    corpus = args.corpus.resolve() if args.corpus else work / "corpus"
    if not args.corpus:
        generate_pages_corpus(corpus, pages=args.pages, seed=args.seed)
    warmup = work / "warmup"
    warmup.mkdir()
    for i in range(4 * max(args.workers)):  # enough for every worker to take one and load its models
        (warmup / f"warm-{i}.txt").write_text(f"Лист {i}: Коваленко Іван, СІЗО-2, 14.03.2022.\fPage {i}.", "utf-8")
    files = _files(corpus)
    print(f"corpus: {len(files)} files, {args.pages if not args.corpus else '?'} pages; stages {args.stages}; "
          f"{args.db} + Redis broker + local blobs + embedded index; {os.cpu_count()} CPUs; "
          f"load average at start {os.getloadavg()[0]:.2f} (other work on this machine shares the cores)", flush=True)
    runs = []
    for _ in range(args.repeat):
        for n in args.workers:
            r = run_workers(n, corpus, warmup, work, args)
            runs.append(r)
            print(f"  {n} worker(s): {r['items']} items, {r['pages']} pages in {r['seconds']:.1f} s = "
                  f"{r['pages'] / r['seconds']:.1f} pages/s (storing + queueing alone {r['queue_seconds']:.1f} s); "
                  f"load average {r['load'][0]:.2f} -> {r['load'][1]:.2f}", flush=True)
    print(f"\n{'workers':>7} {'runs':>4} {'pages':>6} {'pages/s (each run)':>28} {'mean pages/s':>12}")
    base = None
    for n in args.workers:
        mine = [r for r in runs if r["workers"] == n]
        rates = [r["pages"] / r["seconds"] for r in mine]
        mean = sum(rates) / len(rates)
        base = base or mean
        print(f"{n:>7} {len(mine):>4} {mine[0]['pages']:>6} {', '.join(f'{x:.1f}' for x in rates):>28} {mean:>12.1f}"
              f"   ({mean / base:.2f}x the first)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="pages to generate (default 2000)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--corpus", type=Path, help="ingest this folder instead of generating one")
    ap.add_argument("--sample", type=int, default=200, help="pages compared with difflib (default 200)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary corpus and homes; print where")
    ap.add_argument("--workers", type=int, nargs="+", metavar="N",
                    help="scale-out mode: time processing through Redis by N `svidok worker` processes, per N")
    ap.add_argument("--repeat", type=int, default=2, help="runs per N in --workers mode (default 2)")
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres",
                    help="database in --workers mode (default postgres: a fresh database per run)")
    ap.add_argument("--stages", default="extract,nlp", help="SVIDOK_STAGES in --workers mode (default extract,nlp)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds to wait for a run (--workers mode)")
    ap.add_argument("--phase", choices=["store", "extract", "pdfminer", "pdfium"], help=argparse.SUPPRESS)
    ap.add_argument("--texts-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.phase:  # a child
        if args.phase == "store":
            result = phase_store(args.corpus)
        elif args.phase == "extract":
            result = phase_extract(args.corpus)
        else:
            result = phase_pdf(args.corpus, args.phase, args.texts_out)
        result["hwm"] = _hwm("self")
        print(json.dumps(result))
        return 0

    work = Path(tempfile.mkdtemp(prefix="svidok-bench-"))
    try:
        return bench_workers(args, work) if args.workers else _bench(args, work)
    finally:
        if args.keep:
            print(f"\nkept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _bench(args: argparse.Namespace, work: Path) -> int:
    from ingest.demo_corpus import generate_pages_corpus

    if args.corpus:
        corpus = args.corpus.resolve()
        gen_note = "given"
    else:
        corpus = work / "corpus"
        start = time.perf_counter()
        generate_pages_corpus(corpus, pages=args.pages, seed=args.seed)
        gen_note = f"generated in {time.perf_counter() - start:.1f} s (seed {args.seed})"
    files = _files(corpus)
    by_ext: dict[str, int] = {}
    for p in files:
        by_ext[p.suffix.lower() or "(none)"] = by_ext.get(p.suffix.lower() or "(none)", 0) + 1
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {corpus} — {len(files)} files ({', '.join(f'{n} {e}' for e, n in sorted(by_ext.items()))}), "
          f"{size / 2**20:.1f} MiB; {gen_note}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; default backends (SQLite + local blobs) in "
          f"fresh temporary homes\n", flush=True)

    rows = []

    # end to end through the real CLI: extract + store only (this bench's subject), then with the NLP stage
    cli = [sys.executable, "-m", "search_api.cli", "ingest", str(corpus), "--json"]
    ends = {}
    for stages, label in (("extract", "end to end: ingest (no NLP)"), ("extract,nlp", "end to end: ingest + NLP")):
        home = work / f"home-e2e-{stages.replace(',', '-')}"
        elapsed, code, rss, out, err = _run(cli, {**_env(home), "SVIDOK_STAGES": stages})
        try:
            summary = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            print(f"svidok ingest produced no JSON summary (exit {code}):\n{err[-3000:]}")
            return 1
        pages, items, states = _stored_pages(home)
        rows.append((label, pages, len(files), elapsed, rss))
        ends[stages] = (elapsed, code, summary, pages, items, states)
    elapsed, code, summary, pages, items, states = ends["extract"]
    e2e = pages / elapsed
    nlp_seconds = ends["extract,nlp"][0] - elapsed

    # each stage alone
    store = _child("store", corpus, _env(work / "home-store"))
    rows.append(("stage alone: store (receive)", None, store["files"], store["seconds"], store["rss"]))
    extract = _child("extract", corpus, _env(work / "home-extract"))
    rows.append(("stage alone: extract (registry)", extract["pages"], extract["files"], extract["seconds"],
                 extract["rss"]))

    # the PDF engines on the PDF files
    engines = {}
    for engine, label in (("pdfminer", "PDF: pdfminer.six"), ("pdfium", "PDF: pypdfium2")):
        texts = work / f"texts-{engine}.json"
        engines[engine] = _child(engine, corpus, _env(work / "home-extract"), "--texts-out", str(texts))
        engines[engine]["texts"] = texts
        rows.append((label, engines[engine]["pages"], engines[engine]["files"], engines[engine]["seconds"],
                     engines[engine]["rss"]))

    # the table
    if nlp_seconds > 0:
        rows.append(("NLP stage in ingest (difference)", pages, len(files), nlp_seconds, None))
    print(f"{'measurement':<34} {'pages':>6} {'files':>6} {'seconds':>8} {'pages/s':>8} {'files/s':>8} "
          f"{'peak RSS MiB':>12}")
    print("-" * 88)
    for label, n_pages, n_files, seconds, peak in rows:
        pps = f"{n_pages / seconds:,.1f}" if n_pages else "—"
        print(f"{label:<34} {n_pages if n_pages is not None else '—':>6} {n_files:>6} {seconds:>8.2f} {pps:>8} "
              f"{n_files / seconds:>8.1f} {_mib(peak) if peak else '—':>12}")
    print()
    print(f"end to end: exit {code}; summary ok={summary.get('ok')} duplicate={summary.get('duplicate')} "
          f"failed={len(summary.get('failed', []))} needs_ocr={summary.get('needs_ocr')}; stored {items} items, "
          f"{pages} pages; states {states}")
    for failure in summary.get("failed", [])[:5]:
        print(f"  failed: {failure['path']}: {failure['reason']}")
    # the store stage has no pages of its own: express it in the corpus's pages for the comparison
    store_pps = extract["pages"] / store["seconds"] if store["seconds"] else float("inf")
    extract_pps = extract["pages"] / extract["seconds"]
    slowest_name, slowest = min((("store", store_pps), ("extract", extract_pps)), key=lambda t: t[1])
    print(f"stage rates in corpus pages/s: store {store_pps:,.1f}, extract {extract_pps:,.1f}; slowest = "
          f"{slowest_name}; end to end {e2e:,.1f} = {100 * e2e / slowest:.0f} % of the slowest stage alone "
          f"(goal for later issues: >= 70 %)")

    a = json.loads(engines["pdfminer"]["texts"].read_text("utf-8"))
    b = json.loads(engines["pdfium"]["texts"].read_text("utf-8"))
    cmp = _compare(a, b, args.sample)
    speedup = (engines["pdfium"]["pages"] / engines["pdfium"]["seconds"]) / (
        engines["pdfminer"]["pages"] / engines["pdfminer"]["seconds"])
    print(f"pypdfium2 vs pdfminer.six: {speedup:.1f}x the pages/s; pages with identical text after whitespace "
          f"normalisation: {cmp['identical']}/{cmp['pages']} ({100 * cmp['identical'] / max(1, cmp['pages']):.1f} %); "
          f"difflib similarity on {cmp['sampled']} sampled pages: mean {cmp['ratio_mean']:.4f}, min "
          f"{cmp['ratio_min']:.4f}; characters {cmp['chars_a']:,} vs {cmp['chars_b']:,}; files with a different "
          f"page count: {cmp['files_with_other_page_count']}")
    if cmp["example"]:
        x, y = cmp["example"]
        print(f"  first difference on a sampled page:\n    pdfminer: …{x!r}…\n    pdfium:   …{y!r}…")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
