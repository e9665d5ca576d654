"""Settings: one typed line per environment variable, each with a working default.

Read once at an edge (CLI, ``create_app``, the Celery worker) and passed down; never patched as a global.
With nothing set, everything runs embedded on one machine under ``SVIDOK_HOME``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from .vocab import STAGES

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    blob_url: str
    broker_url: str
    search_url: str
    secret_key: str
    master_key: str | None
    #: where the master key is kept when SVIDOK_MASTER_KEY is not set (None: $SVIDOK_HOME/keys/master.key)
    master_key_file: Path | None = None
    #: files larger than this are refused at receipt (they are never half-stored)
    max_file_size: int = 8 * 1024 * MiB
    #: originals larger than this are stored but their text is not extracted (state ``failed``)
    max_extract_size: int = 256 * MiB
    #: a document with more pages than this is stored and marked ``failed``
    max_pages: int = 20_000
    #: a ZIP whose entries would expand to more than this is refused as a bomb
    max_unpacked_size: int = 2048 * MiB
    #: an entry whose uncompressed/compressed ratio is above this is a bomb
    max_compression_ratio: int = 1000
    max_zip_entries: int = 100_000
    #: characters kept per stored page; longer pages are cut and the item is flagged
    max_page_chars: int = 1_000_000
    #: pipeline stages to run, in order (``SVIDOK_STAGES=extract`` stores and extracts text only)
    stages: tuple[str, ...] = tuple(STAGES)
    #: PDF text engine: "pdfium" (fast, the default) or "pdfminer" (pdfminer.six, the reference)
    pdf_engine: str = "pdfium"
    #: reverse proxies in front of the web app whose X-Forwarded-* headers are believed (0: none)
    trusted_proxies: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        home = Path(env.get("SVIDOK_HOME", "var")).expanduser().resolve()
        return cls(
            home=home,
            database_url=env.get("SVIDOK_DATABASE_URL") or f"sqlite:///{home / 'svidok.db'}",
            blob_url=env.get("SVIDOK_BLOB_URL") or f"file://{home / 'blobs'}",
            broker_url=env.get("SVIDOK_BROKER_URL") or f"sqla+sqlite:///{home / 'broker.db'}",
            search_url=env.get("SVIDOK_SEARCH_URL", ""),
            secret_key=env.get("SVIDOK_SECRET_KEY") or "",
            master_key=env.get("SVIDOK_MASTER_KEY") or None,
            master_key_file=Path(env["SVIDOK_MASTER_KEY_FILE"]).expanduser() if env.get("SVIDOK_MASTER_KEY_FILE") else None,
            max_file_size=_int(env, "SVIDOK_MAX_FILE_SIZE", cls.max_file_size),
            max_extract_size=_int(env, "SVIDOK_MAX_EXTRACT_SIZE", cls.max_extract_size),
            max_pages=_int(env, "SVIDOK_MAX_PAGES", cls.max_pages),
            max_unpacked_size=_int(env, "SVIDOK_MAX_UNPACKED_SIZE", cls.max_unpacked_size),
            stages=_stages(env.get("SVIDOK_STAGES")),
            pdf_engine=_choice(env, "SVIDOK_PDF_ENGINE", ("pdfium", "pdfminer"), cls.pdf_engine),
            trusted_proxies=proxy_count(env.get("SVIDOK_TRUSTED_PROXIES")),
        )

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def broker_is_embedded(self) -> bool:
        return self.broker_url.startswith(("sqla+sqlite", "filesystem"))

    def ensure_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of bytes/pages, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


def _stages(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return tuple(STAGES)
    chosen = tuple(s.strip() for s in raw.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or not chosen or chosen[0] != "extract":
        raise ValueError(f"SVIDOK_STAGES must start with extract and name only {', '.join(STAGES)}; got {raw!r}")
    return tuple(s for s in STAGES if s in chosen)


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def proxy_count(raw: object) -> int:
    """``SVIDOK_TRUSTED_PROXIES``: how many reverse proxies stand in front of the app, 0 to 10."""
    try:
        value = int(str(raw if raw is not None else "").strip() or 0)
    except ValueError:
        raise ValueError(f"SVIDOK_TRUSTED_PROXIES must be a whole number of proxies, not {raw!r}") from None
    if not 0 <= value <= 10:
        raise ValueError(f"SVIDOK_TRUSTED_PROXIES must be between 0 and 10, not {value}")
    return value
