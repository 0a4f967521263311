"""Sign-in and code throttles (issue 14): per (account, address) refused, per account delayed (so an
attacker cannot lock the real person out), per address refused (password spraying), and shared by
every worker and host through Redis (a real Redis on 127.0.0.1:6379; skipped when none runs)."""

from __future__ import annotations

import socket
import uuid

import pytest

from ap_forms.accounts import throttle
from tests import factories as f
from tests.conftest import make_app as _make_app

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_running(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def make_app():
    """Another worker: an app of its own on the same database; its connections closed afterwards."""
    made = []

    def make(*args, **kwargs):
        made.append(_make_app(*args, **kwargs))
        return made[-1]

    yield make
    from ap_forms.extensions import db

    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def slept(monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(throttle, "_sleep", delays.append)
    return delays


def _fail(client, email: str, ip: str = "198.51.100.1"):
    return client.post("/login", data={"email": email, "password": "bad guess 1"}, environ_base={"REMOTE_ADDR": ip})


def _sign_in(client, email: str, ip: str = "198.51.100.1"):
    return client.post("/login", data={"email": email, "password": f.PASSWORD}, environ_base={"REMOTE_ADDR": ip})


def test_an_attacker_cannot_lock_the_real_person_out(app, client, slept):
    user = f.make_user("office")
    for _ in range(5):
        assert _fail(client, user.email, ip="203.0.113.66").status_code == 422
    assert _sign_in(client, user.email, ip="203.0.113.66").status_code == 429  # the attacker's address is refused
    assert _sign_in(client, user.email, ip="198.51.100.7").status_code == 303  # the real person, elsewhere
    assert slept == []


def test_guessing_one_account_from_many_addresses_is_slowed_not_refused(app, client, slept):
    app.config["THROTTLE_DELAY_SECONDS"] = 3
    user = f.make_user("office")
    for n in range(10):  # the account's ceiling: 10 failures in 15 minutes, from any addresses
        assert _fail(client, user.email, ip=f"203.0.113.{n}").status_code == 422
    assert slept == []
    assert _sign_in(client, user.email, ip="198.51.100.7").status_code == 303
    assert slept == [3]


@pytest.mark.parametrize("app", [{"THROTTLE_LIMITS": {"ip": "8 per 5 minutes"}}], indirect=True)
def test_spraying_many_accounts_from_one_address_is_refused(app, client, slept):
    users = [f.make_user("office") for _ in range(9)]
    for user in users[:8]:
        assert _fail(client, user.email, ip="203.0.113.9").status_code == 422
    assert _sign_in(client, users[8].email, ip="203.0.113.9").status_code == 429
    assert _sign_in(client, users[8].email, ip="198.51.100.7").status_code == 303


@pytest.mark.parametrize("app", [{"THROTTLE_LIMITS": {"overall": "4 per 5 minutes"}}], indirect=True)
def test_many_failures_everywhere_slow_everyone_down(app, client, slept):
    users = [f.make_user("office") for _ in range(5)]
    for n, user in enumerate(users[:4]):
        _fail(client, user.email, ip=f"203.0.113.{n}")
    assert _sign_in(client, users[4].email, ip="198.51.100.7").status_code == 303
    assert len(slept) == 1


def test_without_redis_two_workers_count_alone(tmp_path, app, make_app):
    """The weakness REDIS_URL removes: in memory, each worker (app) has its own counters."""
    user = f.make_user("office")
    other_worker = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    first, second = app.test_client(), other_worker.test_client()
    for _ in range(5):
        _fail(first, user.email)
    assert _sign_in(first, user.email).status_code == 429
    assert _sign_in(second, user.email).status_code == 303


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own, so parallel test runs never share counters."""
    prefix = f"ap-forms-test-{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@needs_redis
@pytest.mark.parametrize("app", [{"REDIS_URL": REDIS_URL}], indirect=True)
def test_with_redis_two_workers_share_the_sign_in_throttle(tmp_path, app, make_app, redis_prefix, slept):
    app.config["THROTTLE_KEY_PREFIX"] = redis_prefix
    user = f.make_user("office")
    other_worker = make_app(
        tmp_path,
        REDIS_URL=REDIS_URL,
        THROTTLE_KEY_PREFIX=redis_prefix,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    first, second = app.test_client(), other_worker.test_client()
    for n in range(5):
        assert _fail(first if n % 2 else second, user.email).status_code == 422
    assert _sign_in(first, user.email).status_code == 429
    assert _sign_in(second, user.email).status_code == 429  # the other worker saw the same five failures
    assert _sign_in(second, user.email, ip="198.51.100.7").status_code == 303


@needs_redis
@pytest.mark.parametrize(
    "app", [{"REDIS_URL": REDIS_URL, "TWO_FACTOR_REQUIRED_ROLES": ("headteacher",)}], indirect=True
)
def test_with_redis_code_guessing_is_counted_across_workers(tmp_path, app, make_app, redis_prefix, slept):
    import pyotp

    app.config["THROTTLE_KEY_PREFIX"] = redis_prefix
    head = f.make_user("headteacher", totp_secret=pyotp.random_base32())
    first = app.test_client()
    assert _sign_in(first, head.email).headers["Location"] == "/login/two-factor"
    other_worker = make_app(
        tmp_path,
        REDIS_URL=REDIS_URL,
        THROTTLE_KEY_PREFIX=redis_prefix,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    second = other_worker.test_client()
    second.set_cookie("session", first.get_cookie("session").value)  # the same browser, another worker
    for n in range(5):
        assert (first if n % 2 else second).post(
            "/login/two-factor", data={"code": "111111"}, environ_base={"REMOTE_ADDR": "198.51.100.1"}
        ).status_code == 422
    code = pyotp.TOTP(head.totp_secret).now()
    assert (
        second.post("/login/two-factor", data={"code": code}, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
        == 429
    )


@pytest.mark.parametrize("app", [{"REDIS_URL": "redis://127.0.0.1:1/0"}], indirect=True)
def test_an_unreachable_redis_falls_back_to_counting_in_the_process(app, client, slept):
    user = f.make_user("office")
    for _ in range(5):
        assert _fail(client, user.email).status_code == 422
    assert _sign_in(client, user.email).status_code == 429
