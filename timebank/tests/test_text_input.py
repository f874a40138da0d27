"""One normaliser (`timebank.lib.text.clean_text`) for every text a person types, in pages and the API: no
control characters, no bidirectional overrides, no zero-width characters."""
import importlib
import typing

import pytest
from django import forms
from django.apps import apps
from pydantic import BeforeValidator

from timebank.lib import text
from timebank.lib.text import clean_text
from timebank.people.models import Person


@pytest.mark.parametrize("raw,clean", [
    ("张\u202e三", "张三"),                         # right-to-left override
    ("\u2066李四\u2069", "李四"),                   # isolates
    ("王\u200b五\ufeff", "王五"),                   # zero-width space, byte-order mark
    ("赵\x07六\x00", "赵六"),                       # BEL, NUL
    ("  陈\t\n七  ", "陈 七"),                      # whitespace controls become one space; ends stripped
    ("Zoe\u0308", "Zoë"),                           # NFC
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # a joiner inside an emoji family stays
])
def test_it_cleans_a_line(raw, clean):
    assert clean_text(raw) == clean


def test_it_keeps_the_line_breaks_of_a_longer_text():
    assert clean_text("第一行\r\n第二\u202e行\x07\n\n第三行 ", multiline=True) == "第一行\n第二行\n\n第三行"


def test_the_api_stores_a_name_without_control_or_bidi_characters(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.post("/api/v1/people", {
        "name": "陈\u202e阿\x07婆", "id_number": "11010519491231002X", "station_id": world.station_a1.pk,
        "is_elder": True, "consent": True, "address": "国权路\u200b1号"}, content_type="application/json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert person.name == "陈阿婆" and person.address == "国权路1号"


def test_a_name_of_nothing_but_invisible_characters_is_refused(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.patch(f"/api/v1/people/{world.volunteer.pk}", {"name": "\u202e\u200b\x07"},
                                content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert Person.objects.get(pk=world.volunteer.pk).name == world.volunteer.name


def test_a_page_form_stores_the_cleaned_name(world, client):
    client.force_login(world.station_staff)
    elder = world.elder
    response = client.post(f"/people/{elder.pk}/edit/", {
        "name": "张\u202e晓明\x1b", "address": "", "node": world.station_a1.pk, "status": "active", "is_elder": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Person.objects.get(pk=elder.pk).name == "张晓明"


# ---- every way in uses it -------------------------------------------------------------------------------

def _is_cleaner(metadata) -> bool:
    return isinstance(metadata, BeforeValidator) and metadata.func in (text._line, text._text)


def _unclean_str(field) -> bool:
    """A text field that is neither `Line` nor `Text` (pydantic keeps a top-level Annotated's validator in
    `metadata`, an Optional one inside the annotation)."""
    if field.annotation is str:
        return not any(_is_cleaner(m) for m in field.metadata)
    return str in typing.get_args(field.annotation)  # `str | None`: a plain str inside the union


def _models(annotation):
    if hasattr(annotation, "model_fields"):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def test_every_text_field_of_every_api_input_is_cleaned():
    from timebank.api import api

    unclean, seen = [], set()

    def walk(model):
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if _unclean_str(field) and "password" not in name:
                unclean.append(f"{model.__name__}.{name}")
            for inner in _models(field.annotation):
                walk(inner)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for params in operation.models:
                    if params.__name__.startswith(("BodyParams", "FormParams")) or "Body" in params.__name__:
                        for field in params.model_fields.values():
                            for model in _models(field.annotation):
                                walk(model)
    assert unclean == [], unclean


# Fields whose own validation lets no invisible character through.
CHECKED_BY_PATTERN = (forms.SlugField, forms.EmailField, forms.URLField, forms.RegexField)


def test_every_text_box_of_every_form_is_cleaned():
    unclean = []
    for app in apps.get_app_configs():
        if not app.name.startswith("timebank."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, form in vars(module).items():
            if not (isinstance(form, type) and issubclass(form, forms.BaseForm)) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                if (isinstance(field, forms.CharField) and not isinstance(field, (text.TextField, *CHECKED_BY_PATTERN))
                        and not isinstance(field.widget, forms.PasswordInput)):
                    unclean.append(f"{app.name}.forms.{name}.{field_name}")
    assert unclean == [], unclean
