"""Behind a corporate proxy: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY are honoured as the
openai SDK honours them (httpx's rules), and a CA bundle setting lets a TLS-inspecting proxy's
certificate be trusted. Every test runs a real proxy on 127.0.0.1 (tests/proxy_support.py) that
forwards only to the fake model server, so a remote-looking endpoint never leaves this machine."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from llm_support import NOTE, client_for, note_request
from proxy_support import LoopbackProxy
from tls_support import self_signed_certificate

from briefs.errors import ConfigError
from briefs.llm import ModelUnavailable
from briefs.llm.testing.fake_server import FakeServer
from briefs.llm_setup import BRIEFS_HINTS, make_llm_config
from briefs.settings import load_settings

PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "no_proxy",
)
REMOTE = "llm.invalid"  # a reserved name (RFC 2606): it can never resolve, so nothing leaves without the proxy


@pytest.fixture(autouse=True)
def _no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def remote_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for llm.invalid, standing in for a TLS-inspecting proxy's CA."""
    return self_signed_certificate(tmp_path_factory.mktemp("proxy-tls"), REMOTE)


def test_https_proxy_gets_the_connect_for_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, fake_openai: FakeServer
) -> None:
    with LoopbackProxy(fake_openai.address, tunnel=False).running() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with client_for(fake_openai, base_url=f"https://{REMOTE}/v1", max_attempts=1) as client:
            with pytest.raises(ModelUnavailable) as caught:
                client.call(note_request())
    assert proxy.seen == [f"CONNECT {REMOTE}:443 HTTP/1.1"]
    assert f"through the proxy {proxy.url}" in str(caught.value)
    assert "HTTPS_PROXY" in str(caught.value)


def test_a_call_goes_through_an_http_proxy_and_back(monkeypatch: pytest.MonkeyPatch, fake_openai: FakeServer) -> None:
    with LoopbackProxy(fake_openai.address).running() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with client_for(fake_openai, base_url=f"http://{REMOTE}/v1") as client:
            client.call(note_request())
    assert proxy.seen == [f"POST http://{REMOTE}/v1/chat/completions HTTP/1.1"]
    assert fake_openai.count() == 1


def test_all_proxy_is_used_when_no_scheme_proxy_is_set(
    monkeypatch: pytest.MonkeyPatch, fake_openai: FakeServer
) -> None:
    with LoopbackProxy(fake_openai.address).running() as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        with client_for(fake_openai, base_url=f"http://{REMOTE}/v1") as client:
            client.call(note_request())
    assert len(proxy.seen) == 1


def test_no_proxy_sends_a_local_server_direct(monkeypatch: pytest.MonkeyPatch, fake_openai: FakeServer) -> None:
    with LoopbackProxy(fake_openai.address).running() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        with client_for(fake_openai) as client:
            client.call(note_request())
    assert proxy.seen == [] and fake_openai.count() == 1


def test_a_tls_inspecting_proxy_works_once_its_ca_bundle_is_set(
    monkeypatch: pytest.MonkeyPatch, remote_certificate: tuple[Path, Path]
) -> None:
    cert, key = remote_certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    with FakeServer(tls=server_tls) as server, LoopbackProxy(server.address).running() as proxy:
        server.set_answer("extract/doc/chunk-0", NOTE)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with client_for(server, base_url=f"https://{REMOTE}/v1", max_attempts=1, hints=BRIEFS_HINTS) as client:
            with pytest.raises(ModelUnavailable) as caught:
                client.call(note_request())
        assert "BRIEFS_CA_BUNDLE" in str(caught.value)  # the certificate is not trusted yet: say how
        with client_for(server, base_url=f"https://{REMOTE}/v1", ca_bundle=cert) as client:
            result = client.call(note_request())
    assert result.value.title == NOTE["title"]
    assert proxy.seen == [f"CONNECT {REMOTE}:443 HTTP/1.1"] * 2


def test_the_ca_bundle_setting_reaches_the_model_layer_and_a_missing_file_is_one_line(tmp_path: Path) -> None:
    pem = tmp_path / "corp-ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert make_llm_config(load_settings(None, ca_bundle=pem)).ca_bundle == pem
    with pytest.raises(ConfigError, match=r"--ca-bundle: ca_bundle: file not found"):
        load_settings(None, ca_bundle=tmp_path / "missing.pem")


def test_the_preflight_goes_through_the_proxy_and_names_it_when_it_fails(
    monkeypatch: pytest.MonkeyPatch, fake_openai: FakeServer
) -> None:
    with LoopbackProxy(fake_openai.address).running() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with client_for(fake_openai, base_url=f"http://{REMOTE}/v1") as client:
            client.preflight()  # reached through the proxy: the endpoint is there
    assert proxy.seen == [f"GET http://{REMOTE}/v1/models HTTP/1.1"]
    assert proxy.answered == ["HTTP/1.1 404 Not Found"]  # the endpoint's own answer came back, not a timeout

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the block ends
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed}")
    with client_for(fake_openai, base_url=f"http://{REMOTE}/v1") as client:
        with pytest.raises(ModelUnavailable) as caught:
            client.preflight()
    assert f"through the proxy http://127.0.0.1:{closed}" in str(caught.value)
    assert "check the proxy settings" in str(caught.value)
