"""The API server's JWT signing key: an RSA key pair for RS256, made by ``make run`` into ``.acf/jwt/``.

Airflow 3.3's ``[api_auth]`` settings (airflow/config_templates/config.yml; airflow/api_fastapi/auth/tokens.py):
``jwt_private_key_path`` (a PEM private key; mutually exclusive with ``jwt_secret``) signs every token the
API server issues (UI and REST logins, ``JWTGenerator`` in ``get_signing_args``) and the Task Identity tokens
the scheduler's executor gives each task (``BaseExecutor.jwt_generator``); ``jwt_algorithm`` names the
algorithm (RS256 here; Airflow's guess for an RSA key is RS256 too); ``jwt_kid`` is put in each token's
header; ``trusted_jwks_url`` (a local file path or an http(s) URL) is the key set tokens are validated
against (``get_sig_validation_args``; without it, the private key's own public key).

Files (all mode 0600, the folder 0700): ``private.pem`` (PKCS#8), ``jwks.json`` (the public keys trusted:
the current one first, then the previous one after a rotation, so tokens signed before it stay valid
until they expire), ``kid`` (the current key's RFC 7638 thumbprint, which is also ``jwt_kid``).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

KEY_BITS = 2048
ALGORITHM = "RS256"
PREVIOUS_KEY_SECONDS = 86400   # Airflow's default [api_auth] jwt_expiration_time


@dataclass(frozen=True)
class KeyFiles:
    private_key: Path
    jwks: Path
    kid: str


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def public_jwk(private_key) -> dict:
    """The public half as a JWK, with its RFC 7638 thumbprint as ``kid``."""
    numbers = private_key.public_key().public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    digest = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    path.chmod(0o600)


def _new_private_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), password=None)


def ensure(folder: Path, rotate: bool = False, now: float | None = None) -> KeyFiles:
    """The key pair in ``folder``, made if missing (or replaced when ``rotate``); returns its files.

    After a rotation the previous public key stays in ``jwks.json`` for ``PREVIOUS_KEY_SECONDS`` (the
    longest token lifetime, ``[api_auth] jwt_expiration_time``), then the next call drops it.
    """
    now = time.time() if now is None else now
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    private_path, jwks_path, kid_path = folder / "private.pem", folder / "jwks.json", folder / "kid"
    stored = json.loads(jwks_path.read_text()) if jwks_path.exists() else {}
    previous, keep_until = None, 0.0
    if rotate and private_path.exists():
        previous, keep_until = public_jwk(_load(private_path)), now + PREVIOUS_KEY_SECONDS
    elif stored.get("acf_previous_until", 0) > now and len(stored.get("keys", [])) > 1:
        previous, keep_until = stored["keys"][1], stored["acf_previous_until"]
    if rotate or not private_path.exists():
        _write_private(private_path, _new_private_pem())
    current = public_jwk(_load(private_path))
    keys = [current] + ([previous] if previous and previous["kid"] != current["kid"] else [])
    document = {"keys": keys, **({"acf_previous_until": keep_until} if len(keys) > 1 else {})}
    _write_private(jwks_path, json.dumps(document, indent=1).encode())
    _write_private(kid_path, current["kid"].encode())
    return KeyFiles(private_path, jwks_path, current["kid"])


def airflow_settings(files: KeyFiles) -> dict[str, str]:
    """The ``[api_auth]`` environment every Airflow process of the stack shares."""
    return {
        "AIRFLOW__API_AUTH__JWT_PRIVATE_KEY_PATH": str(files.private_key),
        "AIRFLOW__API_AUTH__JWT_ALGORITHM": ALGORITHM,
        "AIRFLOW__API_AUTH__JWT_KID": files.kid,
        "AIRFLOW__API_AUTH__TRUSTED_JWKS_URL": str(files.jwks),
    }
