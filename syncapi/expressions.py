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

FUNCTIONS = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "floor": math.floor,
    "ceil": math.ceil,
}
CONSTANTS = {"pi": math.pi, "e": math.e}


class ExpressionError(Exception):
    """Why an expression cannot be saved or evaluated, in words for the console."""


def bounded_power(base, exponent):
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {exponent:g} is too large (at most {MAX_EXPONENT})")
    result = float(base) ** float(exponent)
    if isinstance(result, complex):
        raise ExpressionError("result is not a real number")
    return result


OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: bounded_power,
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
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Name):
            if node.id in CONSTANTS or node.id in FUNCTIONS:
                continue
            if node.id not in declared:
                raise ExpressionError(f"uses {node.id!r}, which the function does not declare")
            used.add(node.id)
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
    if node.keywords:
        raise ExpressionError(f"{node.func.id}() takes no named arguments")


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
        raise ExpressionError("calls a function with the wrong number of arguments") from None
    except RecursionError:
        raise ExpressionError("is nested too deeply") from None
    except InvalidExpression as error:
        raise ExpressionError(f"cannot be evaluated: {error}") from None
    if not math.isfinite(result):
        raise ExpressionError("overflows")
    return result
