from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ap_forms.accounts import confirmations, links, services, sessions, throttle
from ap_forms.accounts import two_factor as two_factor_service
from ap_forms.accounts.forms import (
    ChoosePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    TwoFactorForm,
    UserCreateForm,
    UserEditForm,
)
from ap_forms.accounts.models import GRANT_ROLE, LeaderRequest, User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.school import services as schools
from ap_forms.school.models import SchoolMembership
from ap_forms.school.services import get_settings
from ap_forms.web import audit, navigation, resubmit
from ap_forms.web.errors import error_page
from ap_forms.web.form_fields import apply_error
from ap_forms.web.gate import _now_ts, is_background
from ap_forms.web.htmx import redirect
from ap_forms.web.mail import MailError
from ap_forms.web.permissions import PUBLIC_ENDPOINTS
from ap_forms.web.rendering import render, render_form
from ap_forms.web.views import carry_out, choose_password_page, found_or_404, save_form

bp = Blueprint("accounts", __name__)
navigation.BADGES["accounts.confirmations_list"] = lambda user: len(confirmations.waiting_for(user))


@bp.before_app_request
def refuse_ended_sessions():
    """After the access gate: a browser whose session was ended (from Your account, or by an admin) is
    signed out at its next request."""
    if not current_user.is_authenticated or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if sessions.still_live(background=is_background()):
        return None
    logout_user()
    session.clear()
    flash("You were signed out: this session was ended from another device or by an administrator.", "info")
    return redirect(url_for("accounts.login"))


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
                session.update(
                    pending_user=user.id,
                    pending_at=_now_ts(),
                    pending_next=next_url,
                    **({resubmit.SESSION_KEY: kept} if kept else {}),
                )
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
        audit.record(
            "sign_in_throttled",
            "user",
            user.id if user else None,
            detail=None if user else f"unknown email: {services.normalise_email(email)[:200]}",
        )
    elif request.endpoint == "accounts.forgot_password":
        audit.record(
            "password_reset_throttled",
            "user",
            None,
            detail=f"email: {services.normalise_email(request.form.get('email', ''))[:200]}",
        )
    else:
        user_id = session.get("pending_user")
        audit.record("two_factor_throttled", "user", user_id if isinstance(user_id, int) else None, detail=request.path)
    db.session.commit()
    return error_page(429)


def _complete_sign_in(user: User, next_url: str | None, *, two_factor_used: bool):
    return redirect(_sign_in_target(user, next_url, two_factor_used=two_factor_used))


def _sign_in_target(user: User, next_url: str | None, *, two_factor_used: bool = True) -> str:
    """Sign the person in (a fresh session) and answer where to go next."""
    kept = session.get(resubmit.SESSION_KEY)
    session.clear()  # a fresh session at sign-in
    login_user(user)
    sessions.start(user)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = _now_ts()
    services.record_sign_in(user, two_factor=two_factor_used)
    if kept:  # a form they sent after their session ended: offer it back
        next_url = url_for("resubmit.offer", token=kept)
    return next_url or url_for("oversight.home")


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
        if two_factor_service.looks_like_recovery_code(form.code.data):
            if two_factor_service.use_recovery_code(user, form.code.data):
                flash(
                    f"You signed in with a recovery code. You have {two_factor_service.recovery_codes_left(user)} "
                    "left: make new ones from Your account when you can.",
                    "info",
                )
                return _complete_sign_in(user, session.get("pending_next"), two_factor_used=True)
        elif two_factor_service.verify(user, form.code.data):
            return _complete_sign_in(user, session.get("pending_next"), two_factor_used=True)
        throttle.TWO_FACTOR.failed(_pending_account())
        form.code.errors = [
            "The code is not right or has been used. Enter the newest code from your app, or an unused recovery code"
        ]
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
            next_url = _sign_in_target(user, session.get("pending_next"))
            # The recovery codes are shown once, here, before going on.
            return render(
                "accounts/recovery_codes.html", codes=two_factor_service.new_recovery_codes(user), next_url=next_url
            )
        throttle.TWO_FACTOR.failed(_pending_account())
        form.code.errors = ["The code is not right. Check the key was typed exactly, then enter the newest code"]
    uri = two_factor_service.provisioning_uri(user, secret, get_settings().name)
    return render_form("accounts/two_factor_setup.html", form, secret=secret, qr=two_factor_service.qr_data_uri(uri))


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
    """A user of the school being worked in (a member, a key worker, a parent of its pupils): another
    school's member of staff answers 404, as another school's pupil does."""
    return found_or_404(db.session.scalar(select(User).where(User.id == user_id, services.of_this_school())))


def _schools_of(user: User) -> list[int]:
    return list(db.session.scalars(select(SchoolMembership.school_id).where(SchoolMembership.user_id == user.id)))


@bp.get("/admin/users")
def user_list():
    role = request.args.get("role", "")
    query = select(User).where(services.of_this_school()).order_by(User.active.desc(), User.name)
    if role:
        query = query.where(User.role == role)
    users = db.session.scalars(query).all()
    return render("accounts/user_list.html", users=users, role=role, several_schools=len(schools.all_schools()) > 1)


@bp.route("/admin/users/new", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    form.set_provider_choices(_providers())
    form.set_school_choices(schools.all_schools(), [get_settings().id])
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                provider_id=form.provider_id.data,
                phone=form.phone.data or "",
                school_ids=form.chosen_schools(),
                actor=current_user,
            )
            links.send_link(user, links.INVITE, actor=current_user)
            db.session.commit()
        except services.AccountError as error:
            db.session.rollback()
            apply_error(form, error, fallback="name")
        except MailError:
            db.session.rollback()
            form.email.errors = [
                *form.email.errors,
                "The invitation could not be sent: the mail server did not "
                "answer. Nothing was saved; try again in a few minutes",
            ]
        else:
            waiting = services.pending_request(user, GRANT_ROLE)
            flash(
                f"Account created for {user.name}, and an invitation emailed to {user.email} (the link works once, "
                f"for 72 hours)."
                + (
                    f" They are school staff until a second person confirms the new role ({waiting.description})."
                    if waiting
                    else ""
                ),
                "success",
            )
            return redirect(url_for("accounts.user_list"))
    return render_form("accounts/user_new.html", form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _get_user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.set_provider_choices(_providers())
    form.set_school_choices(schools.all_schools(), _schools_of(user))
    return save_form(
        form,
        lambda: services.update_user(
            user,
            name=form.name.data,
            role=form.role.data,
            provider_id=form.provider_id.data,
            phone=form.phone.data or "",
            active=form.active.data,
            school_ids=form.chosen_schools(),
            actor=current_user,
        ),
        refused=services.AccountError,
        saved=lambda asked: (
            f"Changes to {user.name} saved."
            + (
                f" The new role needs a second person: they have been emailed, and {user.name} stays "
                f"{user.role_label.lower()} until they confirm it."
                if asked
                else ""
            )
        ),
        then=url_for("accounts.user_list"),
        fallback="name",
        rollback=True,
        unsent=(
            "role",
            "Nothing was saved: the email to the person who must confirm the new role could not be sent. "
            "Try again in a few minutes",
        ),
    ) or render_form(
        "accounts/user_edit.html",
        form,
        user=user,
        waiting=db.session.scalars(
            select(LeaderRequest).where(LeaderRequest.user_id == user.id, LeaderRequest.outcome.is_(None))
        ).all(),
    )


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
def user_two_factor_reset(user_id: int):
    user = _get_user_or_404(user_id)
    try:
        outcome = confirmations.reset_two_factor(user, actor=current_user)
    except MailError:
        db.session.rollback()
        flash(
            "Nothing was changed: the email to the person who must confirm could not be sent. Try again in a "
            "few minutes.",
            "error",
        )
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    if outcome == confirmations.ASKED:
        flash(
            f"{user.name} is a leader, so a second person must confirm this reset. They have been emailed; it "
            "takes effect when they confirm it.",
            "success",
        )
    else:
        flash(f"{user.name} will set up a new authenticator app at their next sign-in.", "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/send-link")
def user_send_link(user_id: int):
    """Email the person a one-time link to choose their own password: no admin ever types one."""
    user = _get_user_or_404(user_id)
    carry_out(
        lambda: confirmations.reset_password(user, actor=current_user),
        refused=services.AccountError,
        unsent="The email could not be sent: the mail server did not answer. Nothing was changed; try again "
        "in a few minutes.",
        done=lambda outcome: (
            f"{user.name} is a leader, so a second person must confirm this. They have been "
            f"emailed; the link goes to {user.name} when they confirm it."
            if outcome == confirmations.ASKED
            else f"A link to choose a password was emailed to {user.email}. It works once."
        ),
    )
    return redirect(url_for("accounts.user_edit", user_id=user.id))


# --- Changes that need a second person ------------------------------------------------------------


@bp.get("/admin/confirmations")
def confirmations_list():
    return render("accounts/confirmations.html", requests=confirmations.waiting_for(current_user))


@bp.post("/admin/confirmations/<int:request_id>")
def confirmation_decide(request_id: int):
    leader_request = found_or_404(confirmations.request_or_404(request_id, current_user))
    decision = request.form.get("decision")
    if decision not in ("confirm", "decline"):
        flash("Choose Confirm or Decline.", "error")
        return redirect(url_for("accounts.confirmations_list"))
    subject = leader_request.user.name
    carry_out(
        lambda: confirmations.decide(leader_request, current_user, confirm=decision == "confirm"),
        refused=services.AccountError,
        unsent="Nothing was changed: the emails about it could not be sent. Try again in a few minutes.",
        done=lambda _: (
            f"Confirmed: {leader_request.description} ({subject})."
            if decision == "confirm"
            else f"Declined: {leader_request.description} ({subject}). Nothing was changed."
        ),
    )
    return redirect(url_for("accounts.confirmations_list"))


# --- Your own account, forgotten passwords, links from emails ---------------------------------


@bp.get("/account")
def your_account():
    current = sessions.current_row()
    return render(
        "accounts/your_account.html",
        codes_left=two_factor_service.recovery_codes_left(current_user) if current_user.totp_secret else None,
        signed_in=sessions.live_sessions(current_user, hours=current_app.config["ABSOLUTE_SESSION_HOURS"]),
        current_session_id=current.id if current else None,
    )


@bp.post("/account/sessions/<int:session_id>/end")
def end_session(session_id: int):
    if not sessions.end_one(current_user, session_id):
        abort(404)
    flash("That session has ended: whoever was using it must sign in again.", "success")
    return redirect(url_for("accounts.your_account"))


@bp.post("/admin/users/<int:user_id>/end-sessions")
def user_end_sessions(user_id: int):
    user = _get_user_or_404(user_id)
    services.end_sessions(user)
    audit.record("sessions_ended", "user", user.id, user=current_user, detail="by an administrator", commit=True)
    flash(f"{user.name} has been signed out everywhere.", "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/account/recovery-codes")
def new_recovery_codes():
    if not current_user.totp_secret:
        flash("Set up two-factor sign-in first: recovery codes go with it.", "error")
        return redirect(url_for("accounts.your_account"))
    return render(
        "accounts/recovery_codes.html",
        codes=two_factor_service.new_recovery_codes(current_user),
        next_url=url_for("accounts.your_account"),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """The same answer whether or not the address has an account; throttled per address and client."""
    if request.method == "POST":
        _check_throttle(throttle.FORGOT_PASSWORD, _login_account())
        throttle.FORGOT_PASSWORD.failed(_login_account())
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            links.request_reset(form.email.data)
        except MailError:
            db.session.rollback()  # logged by the mail module; the answer stays the same
        return render("accounts/forgot_password_sent.html", email=form.email.data)
    return render_form("accounts/forgot_password.html", form)


@bp.route("/account/password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    """Public: the one-time link from an invitation or reset email."""
    link = links.link_for(token)
    if link is None:
        return render("accounts/link_dead.html", status=404)
    return choose_password_page(
        ChoosePasswordForm(),
        save=lambda password: links.choose_password(link, password),
        refused=services.AccountError,
        done="Your password is saved. Sign in with your email address and the password you chose.",
        template="accounts/choose_password.html",
        link=link,
        school_name=get_settings().name,
    )
