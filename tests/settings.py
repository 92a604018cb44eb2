"""Test settings: the real settings module, with a throwaway key and fast password hashing."""

import os
import tempfile

os.environ.setdefault("TRUCE_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("TRUCE_DATA_DIR", tempfile.mkdtemp(prefix="truce-test-"))

from truce.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Jobs run at once in tests (set here, not in the environment, so the processes tests start —
# `truce demo`, `truce worker` — keep the real database backend).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
