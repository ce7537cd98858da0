"""Settings for the load test's web process only: production settings, and every user who
signs up is granted LOAD_GRANT_TOKENS tokens through the ledger (as staff would), so the
load's pulls are paid rather than refused after the three free ones."""
import os

from vanikeys_site.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.apps.LoadGrantConfig"]  # noqa: F405
LOAD_GRANT_TOKENS = int(os.environ.get("LOAD_GRANT_TOKENS", "0"))

# Password hashing at PBKDF2's full 1,000,000 iterations costs ~1 s of a core per sign-up
# or log-in; on a 2-core machine shared with the grinders the sign-up wave would be the
# whole run. The load measures enqueueing against reading, so its users hash with fewer
# iterations (the report says so).
PASSWORD_HASHERS = ["bench.hashers.LoadPBKDF2PasswordHasher"]
