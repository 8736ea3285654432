"""The transport that really sends (live and record modes, unless the caller hands its own), with
the switch that makes remote model requests impossible in tests.

Proxies: the SDK's own client honours HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, but httpx
turns that off as soon as a client is given its own transport, which ours is (record/replay sits
there). So this transport routes each request itself, by the same environment rules and with
httpx's own pattern matching: a request goes through the proxy its URL maps to, or direct.

TLS: the system's trust store (and SSL_CERT_FILE / SSL_CERT_DIR, as httpx reads them), plus an
optional extra CA bundle (``ca_bundle``) for a TLS-inspecting corporate proxy; verification is
never switched off.

Like pydantic-ai's ``ALLOW_MODEL_REQUESTS``: ``tests/conftest.py`` sets ``ALLOW_REMOTE_REQUESTS``
to False for every test not marked ``live``, so only loopback servers (the fake server, a loopback
proxy) are ever connected to.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx2

# httpx's own rules for the proxy variables and its URL patterns (what its Client uses when it
# builds the transports itself): the same behaviour as the SDK, not a re-implementation.
from httpx2._utils import URLPattern, get_environment_proxies

from briefs.llm.errors import ModelRequestError
from briefs.llm.recording import label_of

ALLOW_REMOTE_REQUESTS = True
# Why, in the words of whoever switched them off (a test suite says how a test opts in).
REMOTE_OFF_HINT = "briefs.llm.network.ALLOW_REMOTE_REQUESTS is False"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def trust_context(ca_bundle: Path | None = None) -> ssl.SSLContext:
    """The default verifying context, with ``ca_bundle``'s certificates trusted as well."""
    context = httpx2.create_ssl_context(verify=True, trust_env=True)
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context


def without_userinfo(url: httpx2.URL | str) -> str:
    """``url`` without any user:password@ in it, for a message or a cache key."""
    return re.sub(r"//[^/@]*@", "//", str(url))


def shown_proxy(url: httpx2.URL | str) -> str:
    """A proxy URL for a message: scheme, host and port, never a user:password@ in it."""
    return without_userinfo(url).rstrip("/")


class NetworkTransport(httpx2.BaseTransport):
    def __init__(self, *, limits: httpx2.Limits | None = None, ca_bundle: Path | None = None) -> None:
        context = trust_context(ca_bundle)
        limits = limits or httpx2.Limits()
        self._direct = httpx2.HTTPTransport(verify=context, limits=limits)
        mounts = {
            URLPattern(pattern): (None if proxy is None else (httpx2.URL(proxy), proxy))
            for pattern, proxy in get_environment_proxies().items()
        }
        # most specific pattern first, as httpx orders its mounts
        self._routes: list[tuple[URLPattern, httpx2.URL | None, httpx2.HTTPTransport]] = [
            (
                pattern,
                None if target is None else target[0],
                self._direct
                if target is None
                else httpx2.HTTPTransport(proxy=target[1], verify=context, limits=limits),
            )
            for pattern, target in sorted(mounts.items())
        ]

    def proxy_for(self, url: httpx2.URL) -> httpx2.URL | None:
        """The proxy a request to ``url`` goes through, or None for a direct connection."""
        for pattern, proxy, _ in self._routes:
            if pattern.matches(url):
                return proxy
        return None

    def _transport_for(self, url: httpx2.URL) -> httpx2.HTTPTransport:
        for pattern, _, transport in self._routes:
            if pattern.matches(url):
                return transport
        return self._direct

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        proxy = self.proxy_for(request.url)
        # the host this machine actually connects to: the proxy's when there is one
        host = (proxy or request.url).host
        if not ALLOW_REMOTE_REQUESTS and host not in LOOPBACK_HOSTS:
            label = label_of(request.headers, "(no label)")
            raise ModelRequestError(
                f"{label}: requests to {host} are switched off here ({REMOTE_OFF_HINT})",
                label=label,
            )
        return self._transport_for(request.url).handle_request(request)

    def close(self) -> None:
        for transport in {id(t): t for t in (self._direct, *(t for _, _, t in self._routes))}.values():
            transport.close()
