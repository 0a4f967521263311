import click
from flask import Blueprint

from ap_forms.accounts import services
from ap_forms.extensions import db
from ap_forms.school.models import School
from ap_forms.web import tenancy
from ap_forms.web.roles import ALL_ROLES

bp = Blueprint("accounts_cli", __name__, cli_group=None)


@bp.cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(sorted(ALL_ROLES)))
@click.option("--provider-id", type=int, default=None, help="For key workers: their provider's id.")
@click.option("--school-id", type=int, default=None, help="For staff: the school they work in (default: the first).")
@click.password_option()
def create_user(email, name, role, provider_id, school_id, password):
    """Create an account (e.g. the first admin)."""
    if school_id is not None and db.session.get(School, school_id) is None:
        raise click.BadParameter("No school has this id", param_hint="--school-id")
    try:
        with tenancy.as_school(school_id):
            user = services.create_user(email=email, name=name, role=role, password=password, provider_id=provider_id)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.name} <{user.email}>")
    if user.role != role:
        click.echo(
            f"The {role} role waits for a second person: they have been emailed to confirm it at /admin/confirmations."
        )


@bp.cli.command("two-factor-code")
@click.argument("email")
def two_factor_code(email):
    """Print the current two-factor code of an account (for demos, and support on this server)."""
    import pyotp

    user = services.find_by_email(email)
    if user is None or not user.totp_secret:
        raise click.ClickException("No account with two-factor sign-in has that email address")
    click.echo(pyotp.TOTP(user.totp_secret).now())
