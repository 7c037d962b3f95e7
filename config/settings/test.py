"""Test settings: fast hashing, in-memory mail. DATABASE_URL still picks the database."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Web imports run inline, so a test sees their result in the response (tests/… of
# kam.exchange cover the background thread explicitly).
KAM_IMPORT_IN_BACKGROUND = False
ALLOWED_HOSTS = ["*"]

# A real database file, not shared-cache memory: concurrent-write tests need SQLite's real
# locking (WAL, busy timeout), exactly as the product runs.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(KAM_HOME / "test_kam.sqlite3")}  # noqa: F405
