"""Resident ID numbers (GB 11643-1999): normalise, validate, upgrade, mask, hash, encrypt.

ID numbers are sensitive personal information (PIPL): the database holds a keyed
hash for lookup, an AES-GCM ciphertext for reveal, and a masked form for display.
"""

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X", "\u3000": " "}
)
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


class IdNumberError(ValueError):
    """code is a roster reason code: invalid_id_format or invalid_id_checksum."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "male" / "female"

    @property
    def masked(self) -> str:
        return mask(self.value)


def normalize(raw: str) -> str:
    text = str(raw).translate(_FULLWIDTH).strip().lstrip("'’‘`")
    return re.sub(r"\s+", "", text).upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade15(id15: str) -> str:
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_char(first17)


def parse(raw: str) -> IdNumber:
    """Normalise and validate; raise IdNumberError with a reason code."""
    value = normalize(raw)
    if _ID15.match(value):
        value = upgrade15(value)
    if not _ID18.match(value):
        raise IdNumberError("invalid_id_format", "身份证号码应为18位（末位可为X）或15位旧号码")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("invalid_id_format", "身份证号码中的出生日期无效") from None
    if birth.year < 1880 or birth > dt.date.today():
        raise IdNumberError("invalid_id_format", "身份证号码中的出生日期无效")
    if check_char(value[:17]) != value[17]:
        raise IdNumberError("invalid_id_checksum", "身份证号码校验位不正确")
    sex = "male" if int(value[16]) % 2 else "female"
    return IdNumber(value=value, birth_date=birth, sex=sex)


def mask(value: str) -> str:
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:2] + "*" * (len(value) - 2)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


@lru_cache(maxsize=4)
def _hash_key(secret: str) -> bytes:
    return hashlib.sha256(("id-hash:" + secret).encode()).digest()


def id_hash(value: str) -> str:
    """Keyed hash of a normalised 18-character ID number (lookup and de-duplication)."""
    key = _hash_key(settings.ID_HASH_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(("field-enc:" + secret).encode()).digest())


def encrypt(value: str) -> str:
    if not value:
        return ""
    nonce = os.urandom(12)
    sealed = _aead(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, value.encode(), None)
    return base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    raw = base64.b64decode(token)
    return _aead(settings.FIELD_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], None).decode()


# --- bulk variants: the same results, for loops over many rows (imports) ------------------------


def id_hasher():
    """A function equal to id_hash, with the key looked up once (settings access is slow)."""
    # HMAC (RFC 2104) from two pre-keyed SHA-256 states: OpenSSL 3 makes each hmac.new() or
    # hmac.digest() look the digest up again, which costs more than the hashing itself.
    key = _hash_key(settings.ID_HASH_KEY).ljust(64, b"\0")  # 32 bytes: shorter than the block
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hash_one(value: str) -> str:
        state = inner.copy()
        state.update(value.encode())
        result = outer.copy()
        result.update(state.digest())
        return result.hexdigest()

    return hash_one


def encrypter(batch: int = 4096):
    """A function that encrypts like encrypt(), with the cipher looked up once and random nonces
    drawn from the OS in batches (one system call per ``batch`` values instead of one each)."""
    seal = _aead(settings.FIELD_ENCRYPTION_KEY).encrypt
    b64encode = base64.b64encode
    pool = memoryview(b"")
    position = 0

    def encrypt_one(value: str) -> str:
        nonlocal pool, position
        if not value:
            return ""
        if position >= len(pool):
            pool, position = memoryview(os.urandom(12 * batch)), 0
        nonce = bytes(pool[position : position + 12])
        position += 12
        return b64encode(nonce + seal(nonce, value.encode(), None)).decode()

    return encrypt_one
