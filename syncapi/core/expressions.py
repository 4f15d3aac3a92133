"""Algebraic-function expressions: the formula dialect people write, checked and evaluated safely.

The dialect: numbers, the names a function declares, `+ - * / // %`, `^` and `**` (both
powers, right-associative, binding tighter than `*`), comparisons (true is 1, false is 0),
parentheses, the constants `pi` and `e`, and the functions of `FUNCTIONS`; their arithmetic,
all on finite floats, is in `expression_steps`.

`check` refuses anything else when a function is saved, by walking the parsed tree against
that whitelist; `evaluate` hands the same tree to simpleeval (a well-kept evaluator that never
calls `eval`), with bounded powers and every number a float from the parse on, so no input
can hang a worker.
"""

import ast
import math

from simpleeval import InvalidExpression, SimpleEval

from syncapi.core.expression_steps import (
    CONSTANTS,
    FUNCTIONS,
    OPERATORS,
    SIGNATURES,
    ExpressionError,
    bounded_power,
)

MAX_LENGTH = 500
MAX_DEPTH = 64

STRUCTURE = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Load)


def parse(expression):
    """The expression's tree, `^` read as a power and every number a float; raises
    ExpressionError with the reason."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"is too long (at most {MAX_LENGTH} characters)")
    if not expression.strip():
        raise ExpressionError("is empty")
    try:
        tree = ast.parse(expression.replace("^", "**").strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"has a syntax error ({error.msg})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("is nested too deeply") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            node.value = _finite(node.value, "has a number too large to compute with")
    return tree


def _finite(number, reason):
    """`number` as the float every step computes with."""
    try:
        number = float(number)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(reason)
    return number


def check(expression, declared):
    """Parse and whitelist; returns the names (not functions or constants) the formula uses.

    Constant exponents are computed here, so `9**9**9` is refused when saved, not only when
    evaluated.
    """
    tree = parse(expression)
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"is nested too deeply (at most {MAX_DEPTH} levels)")
    used = set()
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Name) and id(node) not in called:
            if node.id in declared:  # a declared variable wins over a constant of that name
                used.add(node.id)
            elif node.id in FUNCTIONS:
                raise ExpressionError(f"uses the function {node.id} without calling it")
            elif node.id not in CONSTANTS:
                raise ExpressionError(f"uses {node.id!r}, which the function does not declare")
        elif isinstance(node, ast.Constant):
            if type(node.value) is not float:  # every number is one once parsed
                raise ExpressionError(f"may only contain numbers, not {node.value!r}")
        elif not isinstance(node, STRUCTURE) and type(node) not in OPERATORS:
            raise ExpressionError(f"may not contain {_describe(node)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            if not any(isinstance(inner, ast.Name) for inner in ast.walk(node.right)):
                bounded_power(1.0, _run(node.right, {}))
    return used


def _depth(tree):
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_call(node):
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise ExpressionError(f"may only call {', '.join(FUNCTIONS)}")
    name = node.func.id
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ExpressionError(f"{name}() takes plain arguments only")
    _, fewest, most = SIGNATURES[name]
    if len(node.args) < fewest or (most is not None and len(node.args) > most):
        expected = (
            f"{fewest}"
            if fewest == most
            else f"{fewest} or more"
            if most is None
            else f"{fewest} to {most}"
        )
        raise ExpressionError(f"{name}() takes {expected} argument(s), not {len(node.args)}")


def _describe(node):
    names = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambdas"}
    return names.get(type(node), type(node).__name__)


def evaluate(expression, values):
    """The value of a checked expression for `values` (name → number), as a float."""
    names = {
        name: _finite(value, f"is given {name} = {value!r}, not a finite number")
        for name, value in values.items()
    }
    return _run(parse(expression), names)


def _run(tree, names):
    evaluator = SimpleEval(operators=OPERATORS, functions=FUNCTIONS, names={**CONSTANTS, **names})
    try:
        result = evaluator.eval("", previously_parsed=tree)
    except ZeroDivisionError:
        raise ExpressionError("divides by zero") from None
    except OverflowError:
        raise ExpressionError("overflows") from None
    except ValueError:
        raise ExpressionError("is outside the domain of a function it calls") from None
    except RecursionError:
        raise ExpressionError("is nested too deeply") from None
    except InvalidExpression as error:
        raise ExpressionError(f"cannot be evaluated: {error}") from None
    return _finite(result, "overflows")  # a literal or a value alone is no step
