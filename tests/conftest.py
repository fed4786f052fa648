"""Shared test settings: hypothesis runs deterministically and without deadlines; the
``offline_page`` fixture (a headless Chromium with the network blocked) from browser.py."""

from browser import _browser, offline_page  # noqa: F401  (fixtures, used by name)
from hypothesis import settings

# derandomize: the same examples every run, so a red CI run can be reproduced exactly.
settings.register_profile("default", deadline=None, derandomize=True, max_examples=100)
settings.load_profile("default")
