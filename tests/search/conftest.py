"""Search fixtures: every contract test runs on the embedded index and on Elasticsearch over HTTP.

Elasticsearch is played by osmem-server (an in-memory OpenSearch-compatible server from PyPI), started
here once per session on a free 127.0.0.1 port. It is required: if it cannot start, the tests fail.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from osmem_server import OsmemServer

from archive_schema.search import open_search
from bench.osmem_node import PlainJsonNode  # also imported from here by other tests

BACKENDS = ["embedded", "elasticsearch"]


@pytest.fixture(scope="session")
def elasticsearch_url():
    """URL of a session-wide osmem-server on a free local port."""
    server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    yield server.url
    server.close()


def make_backend(kind: str, home: Path, elasticsearch_url: str):
    if kind == "embedded":
        return open_search(None, home)
    # a fresh alias per backend keeps tests independent on the one server
    return open_search(elasticsearch_url, home, prefix=f"t{secrets.token_hex(4)}",
                       node_class=PlainJsonNode)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path, elasticsearch_url):
    """An empty backend of each kind."""
    search = make_backend(request.param, tmp_path, elasticsearch_url)
    yield search
    search.close()
