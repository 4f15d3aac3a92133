"""An application's functions, under `/api/applications/{org}/applications/{app}/functions`,
and the evaluation of an algebraic one's formula (never by `eval`: `core.expressions`)."""

from flask import g

from syncapi.access import history
from syncapi.core import expressions
from syncapi.core.failures import Invalid
from syncapi.openapi.answers import EvaluationResultSchema, MessageSchema
from syncapi.openapi.examples import application_parts as examples
from syncapi.repositories import functions
from syncapi.schemas.functions import (
    ALGEBRAIC_TYPES,
    EvaluationSchema,
    FunctionOutSchema,
    FunctionSchema,
    declared_names,
)
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional, transactions
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, body, errors, idempotent, listing, response

FUNCTION = FunctionSchema()
FUNCTION_OUT = FunctionOutSchema()


@listing(ListQuerySchema(functions.LISTING.sort_fields))
@response(Many(FunctionOutSchema), example=examples.FUNCTIONS)
def list_functions():
    """List an application's functions"""
    asked = list_query()
    page = functions.list_functions(g.tenant_db, g.application_id, asked)
    return answered(FUNCTION_OUT.dump(page.items, many=True), page, asked)


@body(FUNCTION, example=examples.NEW_FUNCTION)
@response(FunctionOutSchema, status=201, conditional=True, example=examples.FUNCTION)
@errors(409)
@idempotent
def create_function():
    """Create a function

    An algebraic function's `expression` may use its variables and its events' names
    only, and is checked before it is stored (400 naming what is wrong); a counter needs
    `counter.name`. An `id` sent must be unused in the application (409); without one, one
    is made."""
    created = functions.create_function(g.tenant_db, g.application_id, load_body())
    history.record_in_application(history.CREATE, "function", created["id"], after=created)
    return conditional.answer(created, FUNCTION_OUT.dump(created), 201)


@response(FunctionOutSchema, conditional=True, example=examples.FUNCTION)
@errors(404)
def get_function(function_id):
    """Read a function

    With its ETag."""
    function = functions.get_function(g.tenant_db, g.application_id, function_id)
    return conditional.answer(function, FUNCTION_OUT.dump(function))


@body(FUNCTION, example=examples.FUNCTION_CHANGES)
@response(FunctionOutSchema, conditional=True, example=examples.CHANGED_FUNCTION)
@errors(404)
def update_function(function_id):
    """Replace a function's definition

    Checked as on create; its id stays the path's."""
    fields = load_body()
    before, after = functions.update_function(
        g.tenant_db, g.application_id, function_id, fields, conditional.expected()
    )
    history.record_in_application(history.UPDATE, "function", function_id, before, after)
    return conditional.answer(after, FUNCTION_OUT.dump(after))


@response(MessageSchema, conditional=True, example=examples.FUNCTION_DELETED)
@errors(404)
def delete_function(function_id):
    """Delete a function"""
    deleted = functions.delete_function(
        g.tenant_db, g.application_id, function_id, conditional.expected()
    )
    history.record_in_application(history.DELETE, "function", function_id, deleted)
    return {"message": "Function deleted successfully"}


@body(EvaluationSchema(), example=examples.EVALUATION)
@response(EvaluationResultSchema, example=examples.EVALUATED)
@errors(404)
@transactions.changes_nothing
def evaluate_function(function_id):
    """Evaluate an algebraic function

    Its formula's value for the numbers sent for its names; a name the formula uses and
    the body leaves out is a 400 naming it. Formulas are parsed, never run as code."""
    function = functions.get_function(g.tenant_db, g.application_id, function_id)
    if function.get("type") not in ALGEBRAIC_TYPES:
        raise Invalid("only an Algebraic Function can be evaluated", field="type")
    values = load_body()["values"]
    expression = function.get("expression")
    if not isinstance(expression, str):
        raise Invalid("expression is not text", field="expression")
    try:
        used = expressions.check(expression, declared_names(function))
        missing = sorted(used - set(values))
        if missing:
            name = f"values.{missing[0]}"
            raise Invalid(f"{name} is required", field=name)
        result = expressions.evaluate(expression, {name: values[name] for name in used})
    except expressions.ExpressionError as error:
        raise Invalid(f"expression {error}", field="expression") from None
    return {"result": result}


def register(bp, base):
    bp.add_url_rule(base, view_func=list_functions, methods=["GET"])
    bp.add_url_rule(base, view_func=create_function, methods=["POST"])
    item = f"{base}/<function_id>"
    bp.add_url_rule(item, view_func=get_function, methods=["GET"])
    bp.add_url_rule(item, view_func=update_function, methods=["PUT"])
    bp.add_url_rule(item, view_func=delete_function, methods=["DELETE"])
    bp.add_url_rule(f"{item}/evaluate", view_func=evaluate_function, methods=["POST"])
