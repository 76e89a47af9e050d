"""Registrants' personal data at rest: AES-GCM encryption, keyed hashes for uniqueness, masking."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class CryptoError(Exception):
    """A stored value cannot be decrypted (wrong key or tampered ciphertext)."""


def _subkey(secret: bytes, label: str) -> bytes:
    # One configured secret, independent keys per purpose (encryption vs. uniqueness hash).
    return hmac.new(secret, label.encode(), hashlib.sha256).digest()


class Crypto:
    """Encrypt/decrypt personal fields and hash them for look-ups; built from one secret."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise CryptoError("密钥过短 (identity secret must be at least 16 bytes)")
        self._aead = AESGCM(_subkey(secret, "portal/encrypt/v1"))
        self._hkey = _subkey(secret, "portal/lookup/v1")

    def encrypt(self, plain: str, context: str = "") -> str:
        """'v1:' + base64(nonce + ciphertext); `context` (e.g. the field name) is bound as AAD."""
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, plain.encode("utf-8"), context.encode())
        return "v1:" + base64.b64encode(nonce + ct).decode()

    def decrypt(self, token: str, context: str = "") -> str:
        try:
            raw = base64.b64decode(token.removeprefix("v1:"))
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")
        except (InvalidTag, ValueError) as e:
            raise CryptoError("无法解密 (cannot decrypt stored value)") from e

    def keyed_hash(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of a normalised value: equal inputs give equal hashes, unguessable without the key."""
        return hmac.new(self._hkey, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def mask_id(value: str) -> str:
    """110***********123X: first 3 and last 4 characters of an ID number or credit code."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str) -> str:
    """138****5678."""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)


def mask_name(value: str) -> str:
    """张*明 / 张*: the surname and (for 3+ characters) the last character."""
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# Runs of 11+ digits (mobiles, ID numbers) in free text such as a logged query string.
_LONG_NUMBER = re.compile(r"\d{6,}[\dXx]{5,}")


def scrub(text: str) -> str:
    """Mask anything that looks like an ID number or mobile before it goes into a log or audit line."""
    return _LONG_NUMBER.sub(lambda m: mask_id(m.group()), text)
