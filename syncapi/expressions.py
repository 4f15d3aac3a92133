"""Algebraic-function expressions: the formula dialect people write, checked and evaluated safely.

The dialect: numbers, the names a function declares, `+ - * / // %`, `^` and `**` (both
powers, right-associative, binding tighter than `*`), comparisons (true is 1, false is 0),
parentheses, the constants `pi` and `e`, and the functions of `FUNCTIONS`.

`check` refuses anything else when a function is saved, by walking the parsed tree against
that whitelist; `evaluate` hands the same tree to simpleeval (a well-kept evaluator that never
calls `eval`), with bounded powers and every number a float, so no input can hang a worker.
"""

import ast
import math
import operator

from simpleeval import InvalidExpression, SimpleEval

MAX_LENGTH = 500
MAX_DEPTH = 64
MAX_EXPONENT = 1024


class ExpressionError(Exception):
    """Why an expression cannot be saved or evaluated, in words for the console."""


def finite(function):
    """Every step's result is a finite float: an overflow is reported where it happens,
    not hidden by a later step (`1 / (x * 1e308 * 10)` is an overflow, not 0)."""

    def checked(*args):
        result = function(*args)
        if isinstance(result, complex):
            raise ExpressionError("result is not a real number")
        result = float(result)
        if not math.isfinite(result):
            raise ExpressionError("overflows")
        return result

    return checked


def bounded_power(base, exponent):
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {exponent:g} is too large (at most {MAX_EXPONENT})")
    return float(base) ** float(exponent)


# name → (function, fewest arguments, most arguments or None for any number)
SIGNATURES = {
    "abs": (abs, 1, 1),
    "min": (min, 2, None),
    "max": (max, 2, None),
    "round": (round, 1, 2),
    "sqrt": (math.sqrt, 1, 1),
    "exp": (math.exp, 1, 1),
    "log": (math.log, 1, 2),
    "log10": (math.log10, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "atan2": (math.atan2, 2, 2),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}
FUNCTIONS = {name: finite(function) for name, (function, _, _) in SIGNATURES.items()}
CONSTANTS = {"pi": math.pi, "e": math.e}

OPERATORS = {
    ast.Add: finite(operator.add),
    ast.Sub: finite(operator.sub),
    ast.Mult: finite(operator.mul),
    ast.Div: finite(operator.truediv),
    ast.FloorDiv: finite(operator.floordiv),
    ast.Mod: finite(operator.mod),
    ast.Pow: finite(bounded_power),
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
STRUCTURE = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Load)


def parse(expression):
    """The expression's tree, `^` read as a power; raises ExpressionError with the reason."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"is too long (at most {MAX_LENGTH} characters)")
    if not expression.strip():
        raise ExpressionError("is empty")
    try:
        return ast.parse(expression.replace("^", "**").strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"has a syntax error ({error.msg})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("is nested too deeply") from None


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
            if type(node.value) not in (int, float):
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
    return _run(parse(expression), {name: float(value) for name, value in values.items()})


def _run(tree, names):
    evaluator = SimpleEval(operators=OPERATORS, functions=FUNCTIONS, names={**CONSTANTS, **names})
    try:
        result = float(evaluator.eval("", previously_parsed=tree))
    except ZeroDivisionError:
        raise ExpressionError("divides by zero") from None
    except OverflowError:
        raise ExpressionError("overflows") from None
    except ValueError:
        raise ExpressionError("is outside the domain of a function it calls") from None
    except TypeError:
        raise ExpressionError("calls a function with arguments it does not take") from None
    except RecursionError:
        raise ExpressionError("is nested too deeply") from None
    except InvalidExpression as error:
        raise ExpressionError(f"cannot be evaluated: {error}") from None
    if not math.isfinite(result):
        raise ExpressionError("overflows")
    return result
