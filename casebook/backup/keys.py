"""age keys for backups: recipients (public, in settings) and identities (secret, off the server).

Kept apart from the archive code so that settings can check BACKUP_RECIPIENTS at start-up
without importing Django's database layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


class IdentityError(Exception):
    """The identity file cannot be read or holds no usable secret key."""


def pyrage_module():
    import pyrage

    return pyrage


def parse_recipients(values: Iterable[str]) -> list[Any]:
    """age recipients ("age1…") from settings or the command line; ValueError names a bad one."""
    x25519 = pyrage_module().x25519
    recipients = []
    for position, value in enumerate(values, start=1):
        try:
            recipients.append(x25519.Recipient.from_str(value.strip()))
        except Exception as error:  # pyrage raises its own RecipientError, or ValueError
            raise ValueError(
                f"recipient {position} is not an age public key (age1…): {error}"
            ) from error
    return recipients


def read_identities(path: Path) -> list[Any]:
    """The age secret keys in an identity file (lines AGE-SECRET-KEY-1…, '#' comments)."""
    x25519 = pyrage_module().x25519
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise IdentityError(f"Cannot read the identity file: {error.strerror}.") from error
    identities = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except Exception as error:
            raise IdentityError(
                "The identity file holds a line that is not an age secret key (AGE-SECRET-KEY-1…)."
            ) from error
    if not identities:
        raise IdentityError("The identity file holds no age secret key (AGE-SECRET-KEY-1…).")
    return identities


def new_identity() -> tuple[str, str]:
    """A fresh age key pair: (secret key line, public key)."""
    identity = pyrage_module().x25519.Identity.generate()
    return str(identity), str(identity.to_public())
