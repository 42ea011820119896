"""Mailbox password hashes: Argon2id for everything the portal writes, plus the mail
platform's SHA512-CRYPT so imported mailboxes log in before their first rehash."""

import hmac
import warnings

from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456
    parallelism = 1


class DovecotSha512CryptHasher(BasePasswordHasher):
    """Dovecot's {SHA512-CRYPT} ($6$…), verify-only: a successful login rehashes to Argon2id."""

    algorithm = "sha512_crypt"

    def encode(self, password, salt):
        raise NotImplementedError("SHA512-CRYPT is accepted on import only")

    def verify(self, password, encoded):
        algorithm, crypted = encoded.split("$", 1)
        assert algorithm == self.algorithm
        return hmac.compare_digest(crypt.crypt(password, crypted) or "", crypted)

    def safe_summary(self, encoded):
        return {_("algorithm"): self.algorithm, _("hash"): mask_hash(encoded.split("$", 1)[1])}

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass


def mail_platform_hash_to_django(value):
    """Translate a Dovecot-style "{SCHEME}hash" into the form Django's hashers read, or None."""
    if value.startswith("{ARGON2ID}$argon2id$"):
        return "argon2" + value[len("{ARGON2ID}"):]
    if value.startswith("{SHA512-CRYPT}$6$"):
        return "sha512_crypt$" + value[len("{SHA512-CRYPT}"):]
    return None


def django_hash_to_mail_platform(encoded):
    """The reverse of mail_platform_hash_to_django for what the portal writes (Argon2id), so the
    mail platform is handed a hash it can verify and never the password itself."""
    if encoded.startswith("argon2$argon2id$"):
        return "{ARGON2ID}" + encoded[len("argon2"):]
    if encoded.startswith("sha512_crypt$"):
        return "{SHA512-CRYPT}" + encoded[len("sha512_crypt$"):]
    raise ValueError("unsupported hash for the mail platform")
