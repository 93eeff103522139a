"""Export files encrypted at rest: AES-256-GCM in chunks, bound to their job.

An export file holds case data (names, places, testimony excerpts) and lies on the server's disk
for hours; a copied disk or backup must not give it away. Each file is written as:

    header:  MAGIC (4 bytes) | key id (4 bytes) | nonce prefix (7 random bytes)
    chunks:  AES-256-GCM ciphertext + tag of each CHUNK_SIZE bytes of plaintext, the last shorter

Each chunk's nonce is the file's nonce prefix, the chunk's number (4 bytes) and a flag byte set
only on the last chunk (the "STREAM" construction), so chunks cannot be reordered, dropped or
cut off at a chunk boundary without the tag failing. The associated data is the header and the
job's public id: a file renamed to another job's name does not decrypt. Memory stays at one
chunk whatever the size of the file.

Keys come from settings.EXPORT_ENCRYPTION_KEYS (base64 of 32 bytes each): the first encrypts,
all decrypt, so a new key is prepended and an old one dropped once the files it wrote expired.
The key id in the header (the start of the key's SHA-256) picks the key without trying each.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"CBX1"
KEY_ID_SIZE = 4
NONCE_PREFIX_SIZE = 7
HEADER_SIZE = len(MAGIC) + KEY_ID_SIZE + NONCE_PREFIX_SIZE
TAG_SIZE = 16
CHUNK_SIZE = 64 * 1024
MAX_CHUNKS = 2**32


class ExportFileError(Exception):
    """The file cannot be decrypted: altered, cut short, swapped, or under an unknown key.
    The message names no content: it may be logged."""


def decode_key(raw: str) -> bytes:
    """A key as written in EXPORT_ENCRYPTION_KEYS (standard or URL-safe base64 of 32 bytes)."""
    text = raw.strip()
    try:
        key = base64.urlsafe_b64decode(
            text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4)
        )
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(key) != 32:
        raise ValueError("not 32 bytes")
    return key


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_SIZE]


def _keys() -> list[bytes]:
    return [decode_key(raw) for raw in settings.EXPORT_ENCRYPTION_KEYS]


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise ExportFileError("export file has too many chunks")
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def _associated_data(header: bytes, job_id: str) -> bytes:
    return header + str(job_id).encode("ascii")


class EncryptingWriter:
    """Writes plaintext given to `write` encrypted to `out`; `close` writes the last chunk.

    `written` counts the bytes that reached `out` (header and tags included)."""

    def __init__(self, out: IO[bytes], *, job_id: str) -> None:
        key = _keys()[0]
        self._out = out
        self._cipher = AESGCM(key)
        self._prefix = os.urandom(NONCE_PREFIX_SIZE)
        header = MAGIC + _key_id(key) + self._prefix
        self._aad = _associated_data(header, job_id)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        out.write(header)
        self.written = len(header)

    def _emit(self, plaintext: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._index, last)
        sealed = self._cipher.encrypt(nonce, plaintext, self._aad)
        self._out.write(sealed)
        self.written += len(sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Only full chunks go out before the end, so a reader knows the last by its length.
        while len(self._buffer) >= CHUNK_SIZE:
            self._emit(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]

    def close(self) -> None:
        if self._closed:
            return
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._closed = True


def decrypted_chunks(source: IO[bytes], *, job_id: str) -> Iterator[bytes]:
    """The plaintext of an encrypted export file, a chunk at a time, read from its current
    position. Raises ExportFileError at the first chunk that does not authenticate; a file
    that ends early or goes on after its last chunk fails too."""
    header = source.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
        raise ExportFileError("not an encrypted export file")
    key_id = header[len(MAGIC) : len(MAGIC) + KEY_ID_SIZE]
    prefix = header[len(MAGIC) + KEY_ID_SIZE :]
    key = next((key for key in _keys() if _key_id(key) == key_id), None)
    if key is None:
        raise ExportFileError("export file was encrypted with a key that is not configured")
    cipher = AESGCM(key)
    aad = _associated_data(header, job_id)
    sealed_size = CHUNK_SIZE + TAG_SIZE
    index = 0
    while True:
        sealed = source.read(sealed_size)
        last = len(sealed) < sealed_size
        try:
            plaintext = cipher.decrypt(_nonce(prefix, index, last), sealed, aad)
        except InvalidTag:
            raise ExportFileError(
                f"export file chunk {index} does not authenticate (altered, cut short or "
                "belonging to another export)"
            ) from None
        if last:
            if source.read(1):
                raise ExportFileError("export file goes on after its last chunk")
            if plaintext:
                yield plaintext
            return
        yield plaintext
        index += 1


def default_key(secret: str) -> str:
    """The key a DEBUG run uses when EXPORT_ENCRYPTION_KEYS is not set: derived from the
    secret key, so it never guards real data any better than that key does."""
    digest = hashlib.sha256(b"casebook export files\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


__all__ = [
    "CHUNK_SIZE",
    "EncryptingWriter",
    "ExportFileError",
    "decode_key",
    "decrypted_chunks",
    "default_key",
]
