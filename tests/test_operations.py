"""A route is described once, on its view (`syncapi.web.operations`), and the description is
true: a view raises no error, loads no body and reads no parameter that its statements (and
what the API description derives from them) do not say.

Read from each view's source: the view, and the functions of its module it calls (and
those they call). Errors raised by repositories are not seen here; `tests/test_replay.py`
checks every status it answers against the description.
"""

import ast
import inspect
import sys
from functools import cache

import pytest
from flask import request
from werkzeug.local import LocalProxy

from syncapi.core import failures
from syncapi.errors import STATUSES, ApiError, reported_as
from syncapi.openapi import describe
from syncapi.openapi.parameters import openapi_path
from syncapi.web.inputs import load_body
from syncapi.web.lists import list_query, query_arguments
from syncapi.web.operations import JSON, body, errors, listing, response
from tests.helpers import unserved_app

LOADERS = {"load_body": "body", "list_query": "listing", "query_arguments": "query_schema"}
LOADED = (load_body, list_query, query_arguments)


@cache
def module_functions(module_name):
    """`{name: FunctionDef}` of a module's top-level functions."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def reached(view):
    """The view's FunctionDef and those of its module it calls, transitively."""
    functions = module_functions(view.__module__)
    seen, pending = {}, [view.__name__]
    while pending:
        name = pending.pop()
        if name in seen or name not in functions:
            continue
        seen[name] = functions[name]
        calls = [node for node in ast.walk(seen[name]) if isinstance(node, ast.Call)]
        pending += [call.func.id for call in calls if isinstance(call.func, ast.Name)]
    return list(seen.values())


def _resolved(node, namespace):
    """The object a name or `module.name` of the view's module stands for, else None."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolved(node.value, namespace)
        if isinstance(owner, LocalProxy):  # g, request, current_app: no request here
            return None
        return getattr(owner, node.attr, None)
    return None


def statements(view):
    """What the view's code does: `(statuses it answers with, loaders it calls, query
    parameters it reads, whether it reads a form)`."""
    namespace = vars(sys.modules[view.__module__])
    statuses, loaders, parameters, form = set(), set(), set(), False
    for function in reached(view):
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                made = _resolved(node.func, namespace)
                if made is ApiError and isinstance(node.args[0], ast.Constant):
                    statuses.add(node.args[0].value)
                elif isinstance(made, type) and issubclass(made, failures.Failure):
                    statuses.add(STATUSES[next(k for k in STATUSES if issubclass(made, k))])
                elif made is reported_as:
                    statuses.add(500)
                elif any(made is loader for loader in LOADED):
                    loaders.add(made.__name__)
                if _reads_args(node, namespace):
                    parameters.add(node.args[0].value)
            if isinstance(node, ast.Subscript) and _is_args(node.value, namespace):
                parameters.add(node.slice.value)
            if isinstance(node, ast.Attribute) and node.attr in ("form", "files"):
                form = form or _resolved(node.value, namespace) is request
    return statuses, loaders, parameters, form


def _is_args(node, namespace):
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "args"
        and _resolved(node.value, namespace) is request
    )


def _reads_args(call, namespace):
    """`request.args.get("name")`."""
    function = call.func
    return (
        isinstance(function, ast.Attribute)
        and function.attr == "get"
        and _is_args(function.value, namespace)
        and call.args
        and isinstance(call.args[0], ast.Constant)
    )


def untrue(view, described):
    """What the view does that `described` (its operation in the API description) does not
    say, and what it says that the view does not do: a list of sentences, empty when true."""
    operation = view.operation
    statuses, loaders, parameters, form = statements(view)
    found = []
    answered = {int(status) for status in described["responses"]}
    if statuses - answered:
        found.append(f"raises {sorted(statuses - answered)}, not described")
    json_body = operation.body is not None and operation.body_media == JSON
    stated = {"body": json_body, "listing": operation.listing is not None}
    stated["query_schema"] = operation.query_schema is not None
    for loader, fact in LOADERS.items():
        if (loader in loaders) != stated[fact]:
            said, done = (
                ("states", "does not call") if stated[fact] else ("does not state", "calls")
            )
            found.append(f"{said} its {fact}, and {done} {loader}")
    if form != (operation.body is not None and not json_body):
        found.append("reads a form its description does not state, or the reverse")
    named = {parameter["name"] for parameter in described.get("parameters", ())}
    if parameters - named:
        found.append(f"reads the query parameters {sorted(parameters - named)}, not described")
    return found


@pytest.fixture(scope="module")
def description():
    app = unserved_app()
    return app, describe(app, with_docs=True)  # the docs page's views are checked too


def described_operation(app, document, endpoint):
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    (method,) = rule.methods - {"HEAD", "OPTIONS"}
    return document["paths"][openapi_path(rule)][method.lower()]


def test_every_view_does_what_its_description_says_and_nothing_else(description):
    app, document = description
    untrue_views = {}
    for endpoint, view in app.view_functions.items():
        found = untrue(view, described_operation(app, document, endpoint))
        if found:
            untrue_views[endpoint] = found
    assert untrue_views == {}


def test_every_stated_body_cap_is_a_number_or_a_setting(description):
    """`@body(..., max_bytes=)`: a route raising its cap (the ingest routes) names a setting
    that exists, else its requests would fail when `inputs.cap_body` reads it."""
    app, _ = description
    for endpoint, view in app.view_functions.items():
        cap = getattr(getattr(view, "operation", None), "max_bytes", None)
        assert cap is None or isinstance(cap, int) or cap in app.config, endpoint


# The check itself: views that say less than they do are found out.


@response({"type": "object"})
def raises_a_conflict_it_does_not_state():
    raise failures.Conflict("taken")


@response({"type": "object"})
def loads_a_body_it_does_not_state():
    return load_body()


@body(object())
@response({"type": "object"})
def states_a_body_it_does_not_load():
    return {}


@listing(object())
@response({"type": "object"})
@errors(409)
def reads_a_parameter_it_does_not_state():
    if request.args.get("secret"):
        raise failures.Conflict("taken")
    return list_query()


@pytest.mark.parametrize(
    ("view", "found"),
    [
        (raises_a_conflict_it_does_not_state, ["raises [409], not described"]),
        (loads_a_body_it_does_not_state, ["does not state its body, and calls load_body"]),
        (states_a_body_it_does_not_load, ["states its body, and does not call load_body"]),
        (
            reads_a_parameter_it_does_not_state,
            ["reads the query parameters ['secret'], not described"],
        ),
    ],
)
def test_the_check_finds_what_a_view_does_not_state(view, found):
    described = {"responses": {"200": {}, "409": {}}, "parameters": []}
    if view is raises_a_conflict_it_does_not_state:
        described["responses"] = {"200": {}}
    assert untrue(view, described) == found
