"""API keys: made from a CSPRNG, shown once, and stored only as a SHA-256 digest."""

import hashlib
import secrets

KEY_PREFIX = "orbito_key_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def new_verification_token() -> str:
    # Published by the owner, so not secret; random so that no one else's file or record
    # can happen to hold it.
    return secrets.token_urlsafe(24)
