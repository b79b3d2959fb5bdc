"""A real browser: `shebao demo` serves, and each demo role signs in through headless Chromium.

Debian's Chromium is driven by Playwright (its own browser download cannot work offline). Under
CI=true a missing Chromium fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

ROLES = ("citizen", "employer", "clerk", "supervisor", "analyst", "admin")
ARTIFACTS = Path("test-artifacts/screenshots")
CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.browser
if CHROMIUM is None and not IN_CI:
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason="Debian's chromium is missing")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`shebao demo` on a fresh SQLite database, exactly as `make run` starts it."""
    data = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {**os.environ, "SHEBAO_DATA_DIR": str(data)}
    env.pop("SHEBAO_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "shebao.cli", "demo", "--port", str(port), "--persons", "500"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"shebao demo exited:\n{server.stdout.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("shebao demo did not answer within 300 s")
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("CI=true but Debian's chromium is not installed: browser tests must run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_signs_in(demo_server: str, browser, role: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo_server}/login")
    page.get_by_label("用户名").fill(role)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{demo_server}/")
    assert page.locator(f'[data-role="{role}"]').is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{role}.png"), full_page=True)
    context.close()


def test_login_page_has_no_serious_accessibility_violations(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page()
    for lang in ("zh", "en"):
        page.goto(f"{demo_server}/lang/{lang}")
        page.goto(f"{demo_server}/login")
        results = Axe().run(page)
        serious = [
            v["id"] for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{lang}: {serious}"
    page.close()
