from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ap_forms.accounts import services, throttle
from ap_forms.accounts import two_factor as two_factor_service
from ap_forms.accounts.forms import LoginForm, PasswordResetForm, TwoFactorForm, UserCreateForm, UserEditForm
from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.school.services import get_settings
from ap_forms.web import audit, resubmit
from ap_forms.web.errors import error_page
from ap_forms.web.gate import _now_ts
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form

bp = Blueprint("accounts", __name__)


def _login_account() -> str:
    return services.normalise_email(request.form.get("email", ""))[:254]


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the sign-in page cannot bounce people to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


PENDING_SECONDS = 300  # between the password and the second step


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("oversight.home"))
    if request.method == "POST":
        _check_throttle(throttle.SIGN_IN, _login_account())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.check_password(form.email.data, form.password.data)
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            if user.totp_secret or two_factor_service.required_for(user):
                kept = session.get(resubmit.SESSION_KEY)
                session.clear()
                session.update(pending_user=user.id, pending_at=_now_ts(), pending_next=next_url,
                               **({resubmit.SESSION_KEY: kept} if kept else {}))
                step = "accounts.two_factor" if user.totp_secret else "accounts.two_factor_setup"
                return redirect(url_for(step))
            return _complete_sign_in(user, next_url, two_factor_used=False)
        throttle.SIGN_IN.failed(_login_account())
        # One message for an unknown email and a wrong password.
        form.password.errors = ["The email address or password is not right"]
        form.password.data = ""
    elif request.method == "POST":
        throttle.SIGN_IN.failed(_login_account())
        audit.record("sign_in_failed", "user", None, detail="incomplete form", commit=True)
    return render_form("accounts/login.html", form)


def _check_throttle(kind: throttle.Throttle, account: str) -> None:
    """Refuse (429, audited by `throttled`) or slow down an attempt, before any password or code is checked."""
    decision = kind.check(account)
    if decision.refused:
        abort(429)
    decision.wait()


@bp.errorhandler(429)
def throttled(error):  # noqa: ARG001
    """A sign-in or code attempt refused by the throttle: logged, with the account when known."""
    db.session.rollback()
    if request.endpoint == "accounts.login":
        email = request.form.get("email", "")
        user = services.find_by_email(email)
        audit.record("sign_in_throttled", "user", user.id if user else None,
                     detail=None if user else f"unknown email: {services.normalise_email(email)[:200]}")
    else:
        user_id = session.get("pending_user")
        audit.record("two_factor_throttled", "user", user_id if isinstance(user_id, int) else None,
                     detail=request.path)
    db.session.commit()
    return error_page(429)


def _complete_sign_in(user: User, next_url: str | None, *, two_factor_used: bool):
    kept = session.get(resubmit.SESSION_KEY)
    session.clear()  # a fresh session at sign-in
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = _now_ts()
    services.record_sign_in(user, two_factor=two_factor_used)
    if kept:  # a form they sent after their session ended: offer it back
        next_url = url_for("resubmit.offer", token=kept)
    return redirect(next_url or url_for("oversight.home"))


def _pending_user() -> User | None:
    """The person between password and second step, for at most five minutes."""
    user_id, started = session.get("pending_user"), session.get("pending_at", 0)
    if not isinstance(user_id, int) or _now_ts() - started > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def _pending_account() -> str:
    return f"user-{session.get('pending_user')}"


@bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor():
    if request.method == "POST":
        _check_throttle(throttle.TWO_FACTOR, _pending_account())
    user = _pending_user()
    if user is None or not user.totp_secret:
        session.clear()
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if two_factor_service.verify(user, form.code.data):
            return _complete_sign_in(user, session.get("pending_next"), two_factor_used=True)
        throttle.TWO_FACTOR.failed(_pending_account())
        form.code.errors = ["The code is not right or has been used. Enter the newest code from your app"]
    return render_form("accounts/two_factor.html", form)


@bp.route("/login/two-factor/setup", methods=["GET", "POST"])
def two_factor_setup():
    if request.method == "POST":
        _check_throttle(throttle.TWO_FACTOR, _pending_account())
    user = _pending_user()
    if user is None:
        session.clear()
        flash("Sign in again: the time to set up your authenticator ran out.", "info")
        return redirect(url_for("accounts.login"))
    if user.totp_secret:
        return redirect(url_for("accounts.two_factor"))
    # The new key stays on the server (never in the signed, readable session cookie).
    secret = two_factor_service.pending_secret(user)
    form = TwoFactorForm()
    if form.validate_on_submit():
        if two_factor_service.enrol(user, secret, form.code.data):
            return _complete_sign_in(user, session.get("pending_next"), two_factor_used=True)
        throttle.TWO_FACTOR.failed(_pending_account())
        form.code.errors = ["The code is not right. Check the key was typed exactly, then enter the newest code"]
    uri = two_factor_service.provisioning_uri(user, secret, get_settings().name)
    return render_form("accounts/two_factor_setup.html", form, secret=secret,
                       qr=two_factor_service.qr_data_uri(uri))


@bp.post("/logout")
def logout():
    user = current_user._get_current_object()
    services.end_sessions(user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


@bp.post("/session/extend")
def extend_session():
    """'Stay signed in' from the idle warning: the gate has already renewed last_seen."""
    return "", 204


# --- Administration of accounts -------------------------------------------------------------

def _providers():
    return db.session.scalars(select(Provider).order_by(Provider.name)).all()


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/admin/users")
def user_list():
    role = request.args.get("role", "")
    query = select(User).order_by(User.active.desc(), User.name)
    if role:
        query = query.where(User.role == role)
    users = db.session.scalars(query).all()
    return render("accounts/user_list.html", users=users, role=role)


def _apply_error(form, error: services.AccountError) -> None:
    field = getattr(form, error.field or "", None) or form.name
    field.errors = [*field.errors, str(error)]


@bp.route("/admin/users/new", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    form.set_provider_choices(_providers())
    if form.validate_on_submit():
        try:
            user = services.create_user(email=form.email.data, name=form.name.data, role=form.role.data,
                                        password=form.password.data, provider_id=form.provider_id.data,
                                        phone=form.phone.data or "")
        except services.AccountError as error:
            _apply_error(form, error)
        else:
            flash(f"Account created for {user.name}.", "success")
            return redirect(url_for("accounts.user_list"))
    return render_form("accounts/user_new.html", form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _get_user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.set_provider_choices(_providers())
    if form.validate_on_submit():
        try:
            services.update_user(user, name=form.name.data, role=form.role.data,
                                 provider_id=form.provider_id.data, phone=form.phone.data or "",
                                 active=form.active.data, actor=current_user)
        except services.AccountError as error:
            _apply_error(form, error)
        else:
            flash(f"Changes to {user.name} saved.", "success")
            return redirect(url_for("accounts.user_list"))
    return render_form("accounts/user_edit.html", form, user=user, password_form=PasswordResetForm())


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
def user_two_factor_reset(user_id: int):
    user = _get_user_or_404(user_id)
    two_factor_service.reset(user, actor=current_user)
    services.end_sessions(user)
    flash(f"{user.name} will set up a new authenticator app at their next sign-in.", "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/password")
def user_password(user_id: int):
    user = _get_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, actor=current_user)
        except services.AccountError as error:
            form.password.errors = [str(error)]
        else:
            flash(f"New password set for {user.name}. They have been signed out everywhere.", "success")
            return redirect(url_for("accounts.user_list"))
    edit_form = UserEditForm(obj=user)
    edit_form.set_provider_choices(_providers())
    return render("accounts/user_edit.html", block="password_form", status=422, form=edit_form,
                  user=user, password_form=form)
