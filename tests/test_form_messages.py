"""Every length and required message names its field: never "Field cannot be longer than 500
characters." or "This field is required." with no way to tell which box is meant."""

from __future__ import annotations

import importlib
import pkgutil

import wtforms
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired
from wtforms.validators import Length as PlainLength

import ap_forms
from ap_forms.web.form_fields import Length


def _all_form_classes():
    for module in pkgutil.walk_packages(ap_forms.__path__, "ap_forms."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    seen, stack = set(), [wtforms.Form]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [cls for cls in seen if cls.__module__.startswith("ap_forms.")]


def _validators(unbound: UnboundField):
    validators = unbound.kwargs.get("validators")
    if validators is None and len(unbound.args) > 1:
        validators = unbound.args[1]
    return list(validators or [])


def test_every_length_and_required_validator_names_its_field(app):
    anonymous = []
    classes = _all_form_classes()
    assert len(classes) > 20
    for cls in classes:
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            for validator in _validators(unbound):
                if isinstance(validator, PlainLength) and not isinstance(validator, Length) and not validator.message:
                    anonymous.append(f"{cls.__module__}.{cls.__name__}.{name}: Length")
                if isinstance(validator, (InputRequired, DataRequired)) and not validator.message:
                    anonymous.append(f"{cls.__module__}.{cls.__name__}.{name}: required")
    assert anonymous == []


def test_a_too_long_answer_is_refused_with_the_fields_name(client, auth, world):
    auth.as_user(world.users["send_lead"])
    response = client.post(
        f"/providers/{world.provider_a.id}/evidence", data={"topic": "agreement", "description": "x" * 201}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Description must be 200 characters or fewer" in body
    assert "Field cannot be longer than" not in body
