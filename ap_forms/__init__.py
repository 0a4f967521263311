"""AP Forms: Alternative Provision for a special school, as one Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ap_forms.config import load_config
from ap_forms.extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
PACKAGED_ASSETS = Path(__file__).resolve().parent / "_assets"  # in a wheel: see setup.py


def asset_folder(name: str) -> Path:
    """templates/, static/ or migrations/: the checkout's own, or the copy inside an installed wheel."""
    packaged = PACKAGED_ASSETS / name
    return packaged if packaged.is_dir() else ROOT / name


def instance_folder() -> Path:
    """INSTANCE_PATH, else the checkout's instance/, else instance/ in the current folder (an installed wheel)."""
    import os

    if os.environ.get("INSTANCE_PATH"):
        return Path(os.environ["INSTANCE_PATH"]).resolve()
    if (ROOT / "pyproject.toml").is_file():
        return ROOT / "instance"
    return Path.cwd() / "instance"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_folder()),
        template_folder=str(asset_folder("templates")),
        static_folder=str(asset_folder("static")),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)

    _init_proxy(app)
    _init_extensions(app)
    _init_web(app)
    _register_blueprints(app)
    return app


def _init_proxy(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-* headers (only as many hops as configured)."""
    hops = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
        for name in ("for", "proto", "host", "port", "prefix")
    }
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=hops["for"],
            x_proto=hops["proto"],
            x_host=hops["host"],
            x_port=hops["port"],
            x_prefix=hops["prefix"],
        )


def _init_extensions(app: Flask) -> None:
    from ap_forms.web.htmx import htmx

    db.init_app(app)
    migrate.init_app(app, db, directory=str(asset_folder("migrations")), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = None  # the access gate decides, not Flask-Login

    from ap_forms.accounts.services import load_user_from_session

    login_manager.user_loader(load_user_from_session)

    from ap_forms.web import database

    database.init_app(app)


def _init_web(app: Flask) -> None:
    from ap_forms.web import (
        compression,
        errors,
        gate,
        govuk_tags,
        headers,
        mail,
        navigation,
        observability,
        request_args,
        request_cache,
        static_files,
        templating,
    )

    # The first after_request hook registered is the last to run: compression sees the final body.
    compression.init_app(app)
    observability.init_app(app)  # its before_request is the first: every later step has the request id
    request_args.init_app(app)  # before any route is added
    request_cache.init_app(app)  # emptied before the gate's first look-up
    templating.init_app(app)
    govuk_tags.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    mail.init_app(app)
    gate.init_app(app)
    navigation.init_app(app)
    static_files.init_app(app)  # hashed names, immutable cache, brotli/gzip


def _register_blueprints(app: Flask) -> None:
    # The composed pages (pupil, provider and placement pages) add their routes to the students,
    # providers and placements blueprints, so they are imported before those are registered.
    from ap_forms import pages  # noqa: F401
    from ap_forms.accounts import cli as accounts_cli
    from ap_forms.accounts import views as accounts
    from ap_forms.attendance import cli as attendance_cli
    from ap_forms.attendance import views as attendance
    from ap_forms.audit_trail import views as audit_trail
    from ap_forms.checklists import views as checklists
    from ap_forms.data_protection import views as data_protection
    from ap_forms.demo import cli as demo_cli
    from ap_forms.documents import views as documents
    from ap_forms.feedback import cli as feedback_cli
    from ap_forms.feedback import views as feedback
    from ap_forms.incidents import cli as incidents_cli
    from ap_forms.incidents import views as incidents
    from ap_forms.maintenance import cli as maintenance_cli
    from ap_forms.oversight import trust
    from ap_forms.oversight import views as oversight
    from ap_forms.placements import cli as placements_cli
    from ap_forms.placements import views as placements
    from ap_forms.providers import views as providers
    from ap_forms.quality import views as quality
    from ap_forms.referrals import views as referrals
    from ap_forms.school import views as school
    from ap_forms.school_calendar import views as school_calendar
    from ap_forms.students import carers_views as carers
    from ap_forms.students import import_views as pupil_import
    from ap_forms.students import views as students
    from ap_forms.web import database, health, resubmit

    # One per line: each domain adds its own.
    blueprints = [
        health,
        database,
        resubmit,
        accounts,
        accounts_cli,
        oversight,
        students,
        carers,
        pupil_import,
        school,
        demo_cli,
        maintenance_cli,
        audit_trail,
        data_protection,
        school_calendar,
        attendance,
        attendance_cli,
        providers,
        checklists,
        documents,
        placements,
        placements_cli,
        referrals,
        quality,
        feedback,
        feedback_cli,
        incidents,
        incidents_cli,
        trust,
    ]
    for module in blueprints:
        app.register_blueprint(module.bp)
