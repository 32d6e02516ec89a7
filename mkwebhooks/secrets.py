"""Secret values: Fernet-encrypted at rest, masked on every read path by construction.

A `SecretField` reads back as a `Secret`, whose text form is the mask. Only
`Secret.reveal()` decrypts, and only the delivery request builder calls it.

We build on django-fernet-encrypted-fields but close its weak spots: it derives
keys from SECRET_KEY (we use MKWEBHOOKS_ENCRYPTION_KEYS, newest first, so keys
rotate independently) and, on a wrong key, silently returns the ciphertext as if
it were the value (we raise SecretDecryptionError instead).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from encrypted_fields.fields import EncryptedTextField

from mkwebhooks.conf import webhook_settings

MASK = "********"
UNDECRYPTABLE = (
    "A stored secret cannot be decrypted with MKWEBHOOKS_ENCRYPTION_KEYS: the key it was "
    "written with is missing. Put the old key after the new one."
)


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys."""


def derived_embedded_key() -> str:
    """Derive the embedded mode's Fernet key from SECRET_KEY (never used in production)."""
    digest = hashlib.sha256(f"mkwebhooks-secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def encryption_keys() -> list[str]:
    return list(webhook_settings.ENCRYPTION_KEYS) or [derived_embedded_key()]


def fernet() -> MultiFernet:
    """Return a MultiFernet that encrypts with the newest key and decrypts with any."""
    return MultiFernet([Fernet(key.encode()) for key in encryption_keys()])


class Secret:
    """A stored secret. Prints as the mask; `reveal()` is the only way to the value."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def reveal(self) -> str:
        try:
            return fernet().decrypt(self.token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError(UNDECRYPTABLE) from None

    def readable(self) -> bool:
        """Whether the configured keys decrypt it (the value itself is not kept)."""
        try:
            fernet().decrypt(self.token.encode())
        except InvalidToken:
            return False
        return True

    def rotated(self) -> "Secret":
        """Return the same value encrypted with the newest key."""
        try:
            return Secret(fernet().rotate(self.token.encode()).decode())
        except InvalidToken:
            raise SecretDecryptionError(UNDECRYPTABLE) from None

    def __str__(self) -> str:
        return MASK

    __repr__ = __str__

    @classmethod
    def encrypt(cls, value: str) -> "Secret":
        return cls(fernet().encrypt(value.encode()).decode())


class SecretField(EncryptedTextField):
    """A Fernet-encrypted text column that reads back as a masked `Secret`."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else Secret(value)

    def to_python(self, value):
        # The package decrypts any string here and returns ciphertext on failure;
        # values from the database are handled by from_db_value instead.
        return value

    def get_prep_value(self, value):
        if value is None or isinstance(value, Secret):
            return None if value is None else value.token
        return Secret.encrypt(str(value)).token
