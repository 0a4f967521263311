"""Password hashing (Argon2id) and the rules a new password must meet (NIST 800-63B style)."""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Argon2id with at least 19 MiB of memory and 2 passes (OWASP's minimum).
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 128

# A real hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = hasher.hash("not-a-real-password-for-timing")


@cache
def _common_passwords() -> frozenset[str]:
    """The 100,000 most common passwords in public breach corpora, lower-cased (loaded once).

    From SecLists' 10-million-password-list-top-1000000 (Daniel Miessler, MIT licence), the first
    100,000 distinct entries, plus a few words this school's people would try.
    """
    data = files("ap_forms.accounts").joinpath("common_passwords.txt.gz").read_bytes()
    return frozenset(line for line in gzip.decompress(data).decode().splitlines() if line)


# What people add to a common word to pass a rule: digits, a year, punctuation; and look-alike letters.
_PADDING = re.compile(r"^[\d\W_]{0,4}(?P<core>.*?)[\d\W_]{0,8}$")
_LOOK_ALIKES = str.maketrans(
    {"@": "a", "4": "a", "8": "b", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t", "+": "t"}
)


def _guessable_cores(password: str) -> set[str]:
    """The password, and what is left of it without padding, spaces or look-alike letters."""
    lowered = password.lower()
    cores = {lowered, lowered.replace(" ", "")}
    for text in list(cores):
        core = _PADDING.match(text).group("core")
        cores |= {core, core.translate(_LOOK_ALIKES), text.translate(_LOOK_ALIKES)}
    return {core for core in cores if len(core) >= 3}


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().translate(_LOOK_ALIKES))


def _personal_words(*texts: str) -> set[str]:
    """The school's name, the person's name and email, as words someone might build a password on."""
    words = set()
    for text in texts:
        local = text.split("@")[0]
        for part in [*re.split(r"[^\w]+", local), local, text]:
            if len(_compact(part)) >= 4:
                words.add(_compact(part))
    return words


def password_problem(password: str, *, email: str = "", name: str = "", school: str = "") -> str | None:
    """Why this password cannot be used, in plain words; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    cores = _guessable_cores(password)
    if cores & _common_passwords():
        return (
            "This password is too common, or a common one with a few numbers or symbols added. Choose "
            "something harder to guess, like three random words"
        )
    compact = _compact(password)
    for word in _personal_words(email, name, school):
        if word in compact and len(re.sub(r"[\d]", "", compact.replace(word, ""))) < 4:
            return "Your password must not be built on your name, your email address or the school's name"
    return None


def hash_token(token: str) -> str:
    """What is stored for a random one-time token (invitation, reset, session id): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
