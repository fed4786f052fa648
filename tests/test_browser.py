"""The browser fixture itself: a blocked request is recorded, a console error is caught."""

from __future__ import annotations


def test_a_local_page_loads_and_network_requests_are_blocked_and_recorded(offline_page, tmp_path):
    page_file = tmp_path / "page.html"
    page_file.write_text(
        "<!doctype html><title>t</title><p id=p>hello</p>"
        '<img src="http://example.invalid/x.png">',
        encoding="utf-8",
    )
    page = offline_page.open(page_file)
    assert page.inner_text("#p") == "hello"
    assert offline_page.requests == ["http://example.invalid/x.png"]


def test_console_errors_are_recorded(offline_page, tmp_path):
    page_file = tmp_path / "page.html"
    page_file.write_text("<!doctype html><script>throw new Error('boom')</script>", "utf-8")
    offline_page.open(page_file)
    assert any("boom" in e for e in offline_page.console_errors)
