"""Strict base64url without padding (RFC 7515 §2, Appendix C).

Python's :func:`base64.urlsafe_b64decode` silently discards characters outside the alphabet
and ignores the unused low bits of the last character, so many strings decode to the same
bytes. :func:`decode` accepts exactly one spelling per byte string.
"""

from __future__ import annotations

import base64
import re
from typing import Final

_ALPHABET: Final = re.compile(r"[A-Za-z0-9_-]*")
_SYMBOLS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE: Final = {symbol: value for value, symbol in enumerate(_SYMBOLS)}
#: Bits of the last symbol that carry no data, by ``len(text) % 4`` (RFC 4648 §3.5).
_UNUSED_BITS: Final = {0: 0, 2: 0b1111, 3: 0b11}


def encode(data: bytes) -> str:
    """Unpadded base64url text of ``data``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes whose unpadded base64url encoding is exactly ``text``.

    Raises:
        ValueError: ``text`` has characters outside the base64url alphabet, padding, an
            impossible length, or non-zero unused bits (a non-canonical spelling).
    """
    # SECURITY: no lenient decoding, so a signed token has exactly one valid spelling.
    remainder = len(text) % 4
    if remainder == 1 or _ALPHABET.fullmatch(text) is None:
        raise ValueError("not canonical unpadded base64url")
    if remainder and _VALUE[text[-1]] & _UNUSED_BITS[remainder]:
        raise ValueError("not canonical unpadded base64url")  # stray bits: a second spelling
    return base64.urlsafe_b64decode(text + "=" * (4 - remainder if remainder else 0))


def encode_uint(value: int, length: int | None = None) -> str:
    """A non-negative integer as big-endian octets, base64url encoded (RFC 7518 §2 Base64urlUInt).

    With ``length`` the octets are left-padded to exactly that size (EC coordinates, RFC 7518
    §6.2.1.2); without it the minimal size is used, and zero is a single zero octet.
    """
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return encode(value.to_bytes(size, "big"))


def decode_uint(text: str) -> int:
    """The integer of a Base64urlUInt value.

    Raises:
        ValueError: ``text`` is not canonical base64url or is empty.
    """
    data = decode(text)
    if not data:
        raise ValueError("empty integer")
    return int.from_bytes(data, "big")
