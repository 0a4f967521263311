"""Throttling failed sign-ins and two-factor codes, shared by every worker and host through Redis.

Only failures count. Four counters, each over a moving window:

- **the (account, client address) pair** (5 a minute): refused (429) when full. This is what stops
  one attacker guessing one account, and it cannot lock the real person out from their own address.
- **the account** (10 in 15 minutes, from any address): a softer ceiling. When it is full, each
  further attempt at that account is *delayed* (THROTTLE_DELAY_SECONDS), never refused, so guessing
  from many addresses is slowed while the real person can still sign in.
- **the client address** (30 in 5 minutes, over any accounts): refused when full, so spraying one
  common password across many accounts from one address stops quickly.
- **overall** (300 in 5 minutes): every attempt is delayed while it is full (a distributed attack).

With REDIS_URL set the counters live in Redis, so two workers or two hosts count together; without
it each process counts alone (memory). If Redis cannot be reached, each process falls back to its
own memory counters (logged) rather than refusing everyone or letting everyone through unthrottled.
The client address is `request.remote_addr`: behind a proxy, set PROXY_FIX_X_FOR (README "Deploying").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, request
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

DEFAULT_LIMITS = {
    "pair": "5 per minute",
    "account": "10 per 15 minutes",
    "ip": "30 per 5 minutes",
    "overall": "300 per 5 minutes",
}
REFUSING = ("pair", "ip")  # the others delay
_sleep = time.sleep  # tests replace it


@dataclass(frozen=True)
class Decision:
    refused: bool = False
    delay: float = 0.0

    def wait(self) -> None:
        if self.delay > 0:
            _sleep(self.delay)


def _storage_uri(app) -> str:
    return app.config.get("REDIS_URL") or app.config.get("RATELIMIT_STORAGE_URI") or "memory://"


def _limiter(app) -> MovingWindowRateLimiter:
    state = app.extensions.get("ap_forms_throttle")
    if state is None:
        uri = _storage_uri(app)
        if uri.startswith("memory"):
            storage = MemoryStorage()
        else:
            storage = storage_from_string(
                uri, key_prefix=app.config.get("THROTTLE_KEY_PREFIX", "ap-forms"), wrap_exceptions=True
            )
        state = app.extensions["ap_forms_throttle"] = {
            "shared": MovingWindowRateLimiter(storage),
            "local": MovingWindowRateLimiter(MemoryStorage()),
        }
    return state


def _limits(app) -> dict:
    configured = {**DEFAULT_LIMITS, **(app.config.get("THROTTLE_LIMITS") or {})}
    return {scope: parse(value) for scope, value in configured.items()}


def _client() -> str:
    return request.remote_addr or "unknown"


class Throttle:
    """One kind of attempt (sign-in, two-factor code), counted per pair, account, address and overall."""

    def __init__(self, name: str):
        self.name = name

    def _keys(self, account: str) -> dict[str, tuple[str, ...]]:
        account = (account or "-")[:254]
        return {
            "pair": (self.name, "pair", account, _client()),
            "account": (self.name, "account", account),
            "ip": (self.name, "ip", _client()),
            "overall": (self.name, "overall"),
        }

    def _run(self, method: str, account: str) -> dict[str, bool]:
        app = current_app._get_current_object()
        state, limits, keys = _limiter(app), _limits(app), self._keys(account)
        try:
            return {scope: getattr(state["shared"], method)(limits[scope], *keys[scope]) for scope in keys}
        except StorageError as error:
            app.logger.error("Throttle store unreachable, counting in this process only: %s", error)
            return {scope: getattr(state["local"], method)(limits[scope], *keys[scope]) for scope in keys}

    def check(self, account: str) -> Decision:
        """Before checking a password or code: refuse, delay, or let it through."""
        room = self._run("test", account)  # True: another failure would still fit
        if any(not room[scope] for scope in REFUSING):
            return Decision(refused=True)
        if not all(room.values()):
            return Decision(delay=float(current_app.config.get("THROTTLE_DELAY_SECONDS", 2.0)))
        return Decision()

    def failed(self, account: str) -> None:
        """Count one failure against every counter."""
        self._run("hit", account)


SIGN_IN = Throttle("sign-in")
TWO_FACTOR = Throttle("two-factor")
FORGOT_PASSWORD = Throttle("forgot-password")  # every request counts: each one may send an email
