"""Shared test settings: hypothesis runs deterministically and without deadlines."""

from hypothesis import settings

# derandomize: the same examples every run, so a red CI run can be reproduced exactly.
settings.register_profile("default", deadline=None, derandomize=True, max_examples=100)
settings.load_profile("default")
