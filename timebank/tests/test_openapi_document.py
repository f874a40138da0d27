"""The OpenAPI document names each schema once, and is built once per process."""
from collections import defaultdict

from ninja import Schema

from timebank.api import api


def _schemas_of_timebank(cls=Schema):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("timebank."):
            yield sub
        yield from _schemas_of_timebank(sub)


def test_it_never_gives_two_schemas_the_same_component_name():
    # ninja names a component after its class: two `ConfirmIn`s become one, and the document shows
    # the wrong body for one of the operations.
    api.get_openapi_schema(path_prefix="/api/v1/")
    modules_by_name = defaultdict(set)
    for schema in _schemas_of_timebank():
        modules_by_name[schema.__name__].add(schema.__module__)
    clashes = {name: sorted(modules) for name, modules in modules_by_name.items() if len(modules) > 1}
    assert clashes == {}


def test_the_documented_confirm_bodies_are_the_ones_the_operations_take():
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    service_confirm = document["components"]["schemas"]["ServiceConfirmIn"]["properties"]
    assert {"assignment_id", "volunteer_id"} <= set(service_confirm)


def test_it_builds_the_document_once_per_process():
    first = api.get_openapi_schema(path_prefix="/api/v1/")
    assert api.get_openapi_schema(path_prefix="/api/v1/") is first
