"""The arithmetic of the formula dialect (see `expressions`): each function and operator is a
step on finite floats, so no formula reaches Python's unbounded integers or hides an overflow.
"""

import ast
import math
import operator

MAX_EXPONENT = 1024
MAX_DIGITS = 324  # `round` digits beyond ±324 change nothing: every float rounds to 0 or itself


class ExpressionError(Exception):
    """Why an expression cannot be saved or evaluated, in words for the console."""


def step(name, function):
    """`function` as one step of an evaluation: floats in, a finite float out.

    Numbers are floats from the start (literals when parsed, values in `evaluate`), so that no
    step reaches Python's unbounded integers (`round(1, -999999999)` on integers computes
    10**999999999 holding the GIL). Anything else given to a step is a bug here, raised as
    such (a 500), not converted. An overflow is reported where it happens, not hidden by a
    later step (`1 / (x * 1e308 * 10)` is an overflow, not 0).
    """

    def checked(*args):
        for arg in args:
            if type(arg) is not float:
                raise TypeError(f"{name} takes floats, not {type(arg).__name__}")
        result = function(*args)
        if isinstance(result, complex):
            raise ExpressionError("is not a real number")
        if type(result) is not float:
            raise TypeError(f"{name} gave {type(result).__name__}, not a float")
        if not math.isfinite(result):
            raise ExpressionError("overflows")
        return result

    return checked


def bounded_power(base, exponent):
    """A power whose exponent is bounded, so its cost and size are too."""
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {exponent:g} is too large (at most {MAX_EXPONENT})")
    return base**exponent


def rounded(number, digits=0.0):
    """`round` with its digits a float, clamped so a huge count never becomes a huge integer;
    given digits, a float's `round` is a float (`round(2.5)` alone would be the integer 2)."""
    if not math.isfinite(digits):
        raise ExpressionError("round() takes a finite number of digits")
    if math.fmod(digits, 1.0):
        raise ExpressionError(f"round() takes a whole number of digits, not {digits:g}")
    return round(number, int(min(max(digits, -MAX_DIGITS), MAX_DIGITS)))


def floor(number):
    """In float arithmetic: `math.floor` gives an integer, of 309 digits for `1e308`."""
    fraction = math.fmod(number, 1.0)  # exact; 0 for every float from 2**52 up (all integral)
    if not fraction:
        return number
    whole = number - fraction  # exact: an integer below 2**52
    return whole - 1.0 if number < 0 else whole


def ceil(number):
    """In float arithmetic, as `floor`."""
    return -floor(-number)


def truth(compare):
    """A comparison worth 1.0 or 0.0, not a bool (an int)."""
    return lambda left, right: 1.0 if compare(left, right) else 0.0


# name → (function, fewest arguments, most arguments or None for any number)
SIGNATURES = {
    "abs": (abs, 1, 1),
    "min": (min, 2, None),
    "max": (max, 2, None),
    "round": (rounded, 1, 2),
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
    "floor": (floor, 1, 1),
    "ceil": (ceil, 1, 1),
}
FUNCTIONS = {name: step(name, function) for name, (function, _, _) in SIGNATURES.items()}
CONSTANTS = {"pi": math.pi, "e": math.e}

OPERATIONS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,  # on floats: fmod, a division and a floor, bounded
    ast.Mod: operator.mod,  # on floats: fmod, bounded
    ast.Pow: bounded_power,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Eq: truth(operator.eq),
    ast.NotEq: truth(operator.ne),
    ast.Lt: truth(operator.lt),
    ast.LtE: truth(operator.le),
    ast.Gt: truth(operator.gt),
    ast.GtE: truth(operator.ge),
}
OPERATORS = {node: step(node.__name__, function) for node, function in OPERATIONS.items()}
