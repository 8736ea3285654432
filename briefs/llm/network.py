"""The transport that really sends (live and record modes, unless the caller hands its own), with
the switch that makes remote model requests impossible in tests.

Like pydantic-ai's ``ALLOW_MODEL_REQUESTS``: ``tests/conftest.py`` sets ``ALLOW_REMOTE_REQUESTS``
to False for every test not marked ``live``, so only loopback servers (the fake server) answer.
"""

from __future__ import annotations

import httpx2

from briefs.llm.errors import ModelRequestError
from briefs.llm.recording import LABEL_HEADER

ALLOW_REMOTE_REQUESTS = True
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class NetworkTransport(httpx2.HTTPTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if not ALLOW_REMOTE_REQUESTS and request.url.host not in LOOPBACK_HOSTS:
            label = request.headers.get(LABEL_HEADER, "(no label)")
            raise ModelRequestError(
                f"{label}: requests to {request.url.host} are switched off here "
                "(a test must be marked `live` and run with BRIEFS_ALLOW_LIVE=1)",
                label=label,
            )
        return super().handle_request(request)
