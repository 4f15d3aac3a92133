"""The formula dialect (syncapi/core/expressions.py, expression_steps.py): every step runs on
floats, and every evaluation returns a float or an ExpressionError, whatever extreme numbers it
is given.

Evaluations run in a worker process with a 2 s limit each, because a thread cannot interrupt a
C-level big-integer computation holding the GIL: a guard against a hang, not a speed target.
The worker wraps each callable of the dialect in a spy recording what it receives and returns.
"""

import ast
import math
import multiprocessing
from itertools import product

import pytest

from syncapi.core import expression_steps, expressions
from syncapi.core.expressions import OPERATORS, SIGNATURES, ExpressionError

TIMEOUT = 2

# Extreme numbers as written in a formula: huge, tiny, negative, zero, integral, beyond a float.
LITERALS = ["1e308", "-1e308", "5e-324", "-5e-324", "0", "-0.0", "-2", "3", "0.5", "1e999"]
LITERALS += ["-999999999", "9" * 400]  # integer literals: a huge one, one no float can hold
# The same as variable values, as the API hands them over (integers up to 64 bits).
VALUES = [1e308, -1e308, 5e-324, -5e-324, 0, -0.0, -2, 3, 0.5, 2**63 - 1, -(2**63)]
VALUES += [math.inf, -math.inf, math.nan]

SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "^",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}

# In the worker process: every step it took in the current evaluation, (name, args, result).
STEPS = []


def _spy(name, step):
    def spied(*args):
        record = [name, args, "raised"]
        STEPS.append(record)
        record[2] = step(*args)
        return record[2]

    return spied


def _install_spies():
    for name, step in list(expressions.FUNCTIONS.items()):
        expressions.FUNCTIONS[name] = _spy(name, step)
    for node, step in list(expressions.OPERATORS.items()):
        expressions.OPERATORS[node] = _spy(node.__name__, step)


def _evaluate(expression, values):
    """What the evaluate route does, and the steps it took."""
    STEPS.clear()
    try:
        expressions.check(expression, set(values))
        outcome = expressions.evaluate(expression, values)
    except ExpressionError as error:
        outcome = error
    return outcome, [tuple(step) for step in STEPS]


class Guard:
    """A worker process for evaluations, replaced when one does not return in time."""

    def __init__(self):
        self.context = multiprocessing.get_context("spawn")
        self.pool = self._start()

    def _start(self):
        pool = self.context.Pool(1, initializer=_install_spies)
        pool.apply(_evaluate, ("1", {}))  # started and imported before any timing
        return pool

    def run(self, expression, values):
        pending = self.pool.apply_async(_evaluate, (expression, values))
        try:
            return pending.get(timeout=TIMEOUT)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            self.pool = self._start()
            return TimeoutError(f"did not return within {TIMEOUT} s"), []

    def close(self):
        self.pool.terminate()
        self.pool.join()


@pytest.fixture(scope="module")
def guard():
    guard = Guard()
    yield guard
    guard.close()


def problems(expression, values, outcome, steps):
    """What is wrong with one evaluation: a hang, a step or an outcome that is not a float."""
    found = [
        f"{name} took {args!r} and gave {result!r}"
        for name, args, result in steps
        if any(type(arg) is not float for arg in args) or type(result) not in (float, str)
    ]
    if isinstance(outcome, TimeoutError):
        found.append(str(outcome))
    elif not isinstance(outcome, ExpressionError):
        if type(outcome) is not float or not math.isfinite(outcome):
            found.append(f"evaluated to {outcome!r}")
    return [f"{expression} {values}: {problem}" for problem in found]


def cases(build, arity):
    """`build`'s formula over every combination of extreme literals, then of variable values."""
    for args in product(LITERALS, repeat=arity):
        yield build(*args), {}
    names = ("x", "y")[:arity]
    for args in product(VALUES, repeat=arity):
        yield build(*names), dict(zip(names, args, strict=True))


def walk(guard, formulas):
    """Evaluates every (expression, values) of `formulas`; hangs reported first."""
    found = [
        problem
        for expression, values in formulas
        for problem in problems(expression, values, *guard.run(expression, values))
    ]
    found.sort(key=lambda problem: not problem.endswith(f"within {TIMEOUT} s"))
    assert not found, f"{len(found)} problems, first: " + "\n".join(found[:5])


@pytest.mark.slow  # a big walk: every function × extreme values, in a process pool
@pytest.mark.parametrize("name", SIGNATURES)
def test_every_function_steps_on_floats_and_returns(guard, name):
    _, fewest, most = SIGNATURES[name]

    def call(*args):
        return f"{name}({', '.join(f'({arg})' for arg in args)})"

    arities = range(fewest, (most or fewest) + 1)
    walk(guard, [case for arity in arities for case in cases(call, arity)])


@pytest.mark.slow  # a big walk: every operator × extreme values, in a process pool
@pytest.mark.parametrize("node", OPERATORS, ids=lambda node: node.__name__)
def test_every_operator_steps_on_floats_and_returns(guard, node):
    symbol = SYMBOLS[node]
    if issubclass(node, ast.unaryop):
        walk(guard, cases(lambda operand: f"{symbol}({operand})", 1))
    else:
        walk(guard, cases(lambda left, right: f"({left}) {symbol} ({right})", 2))


@pytest.mark.parametrize(
    ("expression", "values", "outcome"),
    [
        ("round(1, -999999999) + x", {"x": 1}, 1.0),
        ("round(x, 1e300)", {"x": 2.5}, 2.5),
        ("round(x, -1e300)", {"x": 2.5}, 0.0),
        ("round(x)", {"x": 2.5}, 2.0),
        ("round(x, 1)", {"x": 0.25}, 0.2),
        ("round(x, -2)", {"x": 1250}, 1200.0),
        ("round(x, y)", {"x": 1.5, "y": 0.5}, "whole number of digits"),
        ("floor(1e308)", {}, 1e308),
        ("ceil(-1e308)", {}, -1e308),
        ("floor(x)", {"x": -0.5}, -1.0),
        ("ceil(x)", {"x": -0.5}, -0.0),
        ("floor(x)", {"x": 2**51 + 0.5}, 2**51),
        ("ceil(x)", {"x": 5e-324}, 1.0),
        ("1e308 % 3", {}, 2.0),
        ("-1e308 % 3", {}, 1.0),
        ("1e308 // 1e-308", {}, "overflows"),
        ("1e308 // 3", {}, 3.333333333333333e307),
        ("x % 0", {"x": 1}, "divides by zero"),
        ("x // 0", {"x": 1}, "divides by zero"),
        ("(x < 1) + (x == 0)", {"x": 0}, 2.0),
        ("(-8) ^ (1/3)", {}, "is not a real number"),
        ("x + 1", {"x": math.nan}, "not a finite number"),
        ("1e999 - x", {"x": 1}, "has a number too large"),
        ("9" * 400, {}, "has a number too large"),
    ],
)
def test_extreme_formulas_return_floats_or_say_why(guard, expression, values, outcome):
    result, steps = guard.run(expression, values)
    assert problems(expression, values, result, steps) == []
    if isinstance(outcome, str):
        assert isinstance(result, ExpressionError)
        assert outcome in str(result)
    else:  # the sign too, for -0.0
        assert type(result) is float
        assert (result, math.copysign(1, result)) == (outcome, math.copysign(1, outcome))


def test_the_spies_see_every_step(guard):
    _, steps = guard.run("floor(x) + -y > 1", {"x": 2.5, "y": 1})
    assert steps == [
        ("floor", (2.5,), 2.0),
        ("USub", (1.0,), -1.0),
        ("Add", (2.0, -1.0), 1.0),
        ("Gt", (1.0, 1.0), 0.0),
    ]


def dialect_steps():
    """Each callable of the dialect with the number of arguments it takes."""
    for name, (_, fewest, _) in SIGNATURES.items():
        yield pytest.param(expressions.FUNCTIONS[name], fewest, id=name)
    for node, step in OPERATORS.items():
        yield pytest.param(step, 1 if issubclass(node, ast.unaryop) else 2, id=node.__name__)


@pytest.mark.parametrize(("step", "arity"), list(dialect_steps()))
def test_a_step_refuses_an_argument_that_is_not_a_float(step, arity):
    assert type(step(*[0.5] * arity)) is float
    with pytest.raises(TypeError, match="float"):
        step(*[1] * arity)


@pytest.mark.parametrize(
    ("function", "error", "reason"),
    [
        (lambda number: int(number), TypeError, "gave int, not a float"),
        (lambda number: number > 0, TypeError, "gave bool, not a float"),
        (lambda number: number * 1e308 * 10, ExpressionError, "overflows"),
        (lambda number: (-number) ** 0.5, ExpressionError, "is not a real number"),
    ],
)
def test_a_step_gives_a_finite_float_or_raises(function, error, reason):
    with pytest.raises(error, match=reason):
        expression_steps.step("f", function)(1.0)


@pytest.mark.parametrize(
    ("digits", "clamped"), [(1e300, 324), (-1e300, -324), (-999999999.0, -324), (-2.0, -2)]
)
def test_round_hands_python_its_digits_clamped(monkeypatch, digits, clamped):
    seen = []
    monkeypatch.setattr(
        expression_steps, "round", lambda number, d: seen.append(d) or number, raising=False
    )
    assert expression_steps.rounded(2.5, digits) == 2.5
    assert seen == [clamped]


@pytest.mark.parametrize("digits", [math.inf, -math.inf, math.nan])
def test_round_refuses_digits_that_are_not_finite(digits):
    with pytest.raises(ExpressionError, match="digits"):
        SIGNATURES["round"][0](2.5, digits)


def test_number_literals_are_floats_once_parsed():
    tree = expressions.parse("1 + x * 2 ^ 3")
    numbers = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    assert [type(number) for number in numbers] == [float, float, float]
