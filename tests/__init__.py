import pytest

# helpers.py asserts (`unchanged`): pytest explains a failure there as in a test module.
pytest.register_assert_rewrite("tests.helpers")
