"""The HTTP node that lets the official Elasticsearch client talk to osmem-server.

osmem-server (PyPI; an in-memory OpenSearch-compatible server) stands in for Elasticsearch in the
search contract tests and in bench/search.py. Real Elasticsearch 8/9 needs none of this.
"""
from __future__ import annotations

from elastic_transport import Urllib3HttpNode


class PlainJsonNode(Urllib3HttpNode):
    """Sends plain JSON media types instead of the client's ``compatible-with=N`` ones.

    The official client always rewrites Accept/Content-Type to
    ``application/vnd.elasticsearch+json; compatible-with=9`` (real Elasticsearch 8/9 accept it);
    osmem-server refuses those, so the tests and the benchmark, and only they, undo the rewrite
    on the wire.
    """

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if value := headers.get(name):
                    headers[name] = (value.replace("vnd.elasticsearch+", "")
                                     .split(";", 1)[0].strip())
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)
