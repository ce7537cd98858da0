"""A cheaper PBKDF2 for the load test's users only (bench/load_settings.py)."""
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class LoadPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 20_000
