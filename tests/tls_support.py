"""Throwaway TLS certificates for the tests' servers on 127.0.0.1 (SMTP, the proxy's stand-in CA)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def self_signed_certificate(folder: Path, host: str, *alt_names: str) -> tuple[Path, Path]:
    """A self-signed certificate for host (and alt_names such as IP:127.0.0.1), made by openssl in
    folder: (cert.pem, key.pem). Skips the test where openssl is missing."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    names = ",".join([f"DNS:{host}", *alt_names])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={host}",
         "-addext", f"subjectAltName={names}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key
