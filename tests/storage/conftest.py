"""Fixtures shared by the storage tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server over real HTTP on a free 127.0.0.1 port, one per test module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
