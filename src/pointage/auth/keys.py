"""API keys: generated at random, hashed to authenticate, encrypted to verify signatures.

The gateway signs its notifications (IPN) with HMAC-SHA-256 keyed by the shop's key, so the
verifier needs the key itself, not a hash of it. We keep a Fernet ciphertext of the key under
the deployment's secret key for that, and a SHA-256 hash to check an API caller's key without
decrypting anything. The key is 32 random bytes: a fast hash is enough, there is nothing to
brute-force.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

# The gateway's own words for a shop's test and production keys.
_KEY_PREFIXES = {"TEST": "testpassword", "PRODUCTION": "prodpassword"}


def generate_key(shop_id: str, mode: str) -> str:
    """A new key for the shop in `mode` (TEST or PRODUCTION): 32 random bytes after a prefix
    that says the mode and the shop, so that a key pasted in the wrong place is recognised."""
    return f"{_KEY_PREFIXES[mode]}_{shop_id}_{secrets.token_urlsafe(24)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str, stored_hash: str | None) -> bool:
    if not stored_hash:
        return False
    return hmac.compare_digest(hash_key(key), stored_hash)


def _fernet(secret_key: str) -> Fernet:
    # Fernet wants 32 url-safe base64 bytes; derive them from the deployment secret.
    digest = hashlib.sha256(b"pointage-shop-keys:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_key(key: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(key.encode()).decode()


def decrypt_key(token: str, secret_key: str) -> str | None:
    """The key, or None if it was encrypted under another secret (rotated deployment)."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def sign(payload: bytes, key: str) -> str:
    """Hex HMAC-SHA-256 of `payload`: how the gateway computes `kr-hash`."""
    return hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()


def signature_valid(payload: bytes, key: str, signature: str) -> bool:
    # Compared as bytes: compare_digest raises TypeError on a str with non-ASCII characters,
    # and the signature comes from a request header anyone can write.
    given = signature.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(sign(payload, key).encode(), given)
