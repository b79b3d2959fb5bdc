"""A real browser: `shebao demo` serves, and each demo role signs in through headless Chromium.

Debian's Chromium is driven by Playwright (its own browser download cannot work offline). Under
CI=true a missing Chromium fails the run instead of skipping it. Each role's main journey runs
here; its screenshots go to docs/guide/ for the user guide (docs/user-guide.md), and axe-core
checks the main pages in both languages and both display modes.
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
from sqlalchemy import create_engine, select, text

from shebao.registry.models import EmploymentSpell, Person
from tests.conftest import IN_CI

ROLES = ("citizen", "employer", "clerk", "supervisor", "analyst", "admin")
ARTIFACTS = Path("test-artifacts/screenshots")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide"
VIEWPORT = {"width": 1024, "height": 720}
CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.browser
if CHROMIUM is None and not IN_CI:
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason="Debian's chromium is missing")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo_server(demo_data: Path) -> Iterator[str]:
    """`shebao demo` on a fresh SQLite database, exactly as `make run` starts it."""
    data = demo_data
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


# -- each role's main journey, with the user guide's pictures --------------------------------


def _signed_in(browser, base: str, role: str, lang: str = "zh", mode: str = "standard"):  # type: ignore[no-untyped-def]
    """A page signed in as the demo `role`, with the language and display mode chosen."""
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    context.add_cookies([{"name": "shebao_lang", "value": lang, "url": base},
                         {"name": "shebao_mode", "value": mode, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/login")
    page.locator("#username").fill(role)
    page.locator("#password").fill("demo")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    return page


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A picture of the page as the user sees it: into the user guide with `make guide`
    (SHEBAO_GUIDE=1), else beside the other test artifacts, so a test run leaves the
    checkout as it found it."""
    folder = GUIDE if os.environ.get("SHEBAO_GUIDE") == "1" else ARTIFACTS / "guide"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_citizen_checks_the_record_estimates_the_pension_and_applies_for_a_transfer(  # type: ignore[no-untyped-def]
    demo_server: str, browser
) -> None:
    page = _signed_in(browser, demo_server, "citizen")
    assert page.get_by_test_id("record").is_visible()
    page.get_by_test_id("portal-link").click()
    page.wait_for_url(f"{demo_server}/portal")
    _shot(page, "citizen-portal")
    page.get_by_role("link", name="我的参保记录").click()
    page.wait_for_url(f"{demo_server}/#record")
    _shot(page, "citizen-record")

    page.goto(f"{demo_server}/portal/estimate")
    page.locator("#offset").select_option("36")
    page.get_by_role("button", name="测算").click()
    page.wait_for_url("**/portal/estimate?offset=36**")
    statutory = page.get_by_test_id("statutory-month").inner_text()
    chosen = page.get_by_test_id("chosen-month").inner_text()
    assert int(chosen[:4]) * 12 + int(chosen[5:]) - int(statutory[:4]) * 12 - int(
        statutory[5:]) == 36
    assert page.get_by_test_id("pillars").is_visible()
    _shot(page, "citizen-estimate")

    page.goto(f"{demo_server}/transfers")  # the rider's transfer home, in flight
    assert page.locator('[data-testid="my-transfers"] tr[data-status]').count() == 1
    _shot(page, "citizen-transfer")

    worker = _signed_in(browser, demo_server, "worker")  # applies for one of her own
    worker.goto(f"{demo_server}/transfers")
    worker.locator("#destination_province").select_option("510000")
    worker.get_by_role("button", name="申请转移").click()
    worker.wait_for_url("**/transfers?done=1")
    assert worker.locator('[data-testid="my-transfers"] tr[data-status="applied"]').count() == 1
    worker.context.close()

    page.goto(f"{demo_server}/portal/appeals")
    page.locator("#subject").select_option("pension_award")
    page.locator("#text").fill("测算中的缴费月数少于我的实际缴费月数。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/portal/appeals?done=1")
    assert page.locator('tr[data-status="submitted"]').count() == 1
    _shot(page, "citizen-appeals")
    page.context.close()


def _declaration_csv(data: Path) -> tuple[str, str]:
    """The demo factory's staff this month, as its payroll system would export them."""
    engine = create_engine(f"sqlite:///{data / 'shebao.db'}")
    with engine.connect() as db:
        employer = db.execute(text("SELECT employer_id FROM users WHERE username = 'employer'")
                              ).scalar_one()
        month = db.execute(text("SELECT max(month) FROM declarations WHERE employer_id = :e"),
                           {"e": employer}).scalar_one()
        # through the model: identity numbers are sealed at rest (registry/sealed.py)
        rows = db.execute(
            select(Person.identity_number, EmploymentSpell.monthly_wage_fen)
            .join(EmploymentSpell, EmploymentSpell.person_id == Person.id)
            .where(EmploymentSpell.employer_id == employer, EmploymentSpell.end_date.is_(None))
        ).all()
    engine.dispose()
    year, number = divmod(int(month[:4]) * 12 + int(month[5:]), 12)
    following = f"{year:04d}-{number + 1:02d}"
    return following, "identity_number,wage_fen\n" + "".join(f"{n},{w}\n" for n, w in rows)


def test_employer_uploads_a_declaration_and_sees_the_bill(  # type: ignore[no-untyped-def]
    demo_server: str, demo_data: Path, browser, tmp_path: Path
) -> None:
    month, content = _declaration_csv(demo_data)
    upload = tmp_path / "declaration.csv"
    upload.write_text(content, encoding="utf-8")
    page = _signed_in(browser, demo_server, "employer")
    page.get_by_test_id("declare-link").click()
    page.wait_for_url(f"{demo_server}/employer/declare")
    page.locator("#month").fill(month)
    page.locator("#file").set_input_files(str(upload))
    _shot(page, "employer-declare")
    # The progress bar's last value survives the navigation in window.name.
    page.evaluate("""() => { const bar = document.getElementById('upload-progress');
        new MutationObserver(() => { window.name = String(bar.value); })
            .observe(bar, {attributes: true, childList: true}); }""")
    page.get_by_role("button", name="上传并生成账单").click()
    page.wait_for_url("**/employer/bills/*")
    assert page.evaluate("window.name") == "100"
    assert page.get_by_test_id("bill").is_visible()
    assert page.get_by_test_id("bill-amount").inner_text() != "0.00"
    _shot(page, "employer-bill")
    page.context.close()


def test_second_clerk_approves_a_pension_award(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, demo_server, "clerk2")
    page.goto(f"{demo_server}/desk")
    _shot(page, "clerk-desk")
    page.goto(f"{demo_server}/pension/queue")
    waiting = page.get_by_role("button", name="通过")
    before = waiting.count()
    assert before >= 1
    _shot(page, "clerk-pension-queue")
    waiting.first.click()
    page.wait_for_url("**/pension/queue?done=1")
    assert page.get_by_role("button", name="通过").count() == before - 1
    page.context.close()


def test_clerk_finds_a_person_and_reveals_the_number_with_a_reason(  # type: ignore[no-untyped-def]
    demo_server: str, browser
) -> None:
    page = _signed_in(browser, demo_server, "clerk")
    page.goto(f"{demo_server}/desk?q=刘")
    page.get_by_test_id("results").get_by_role("link").first.click()
    masked = page.get_by_test_id("identity-number").inner_text()
    assert "*" in masked
    page.locator("#reason").fill("本人到柜台办理，核对身份")
    page.get_by_role("button", name="查看完整号码").click()
    assert "*" not in page.get_by_test_id("identity-number").inner_text()
    _shot(page, "clerk-person")
    page.context.close()


def test_supervisor_opens_a_fraud_case(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, demo_server, "supervisor")
    page.goto(f"{demo_server}/supervision")
    _shot(page, "supervisor-dashboard")
    page.get_by_test_id("open-cases").get_by_role("link").first.click()
    page.wait_for_url("**/supervision/cases/*")
    assert page.get_by_test_id("case").is_visible()
    _shot(page, "supervisor-case")
    page.context.close()


def test_analyst_compares_two_scenarios(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, demo_server, "analyst")
    page.goto(f"{demo_server}/projection")
    page.locator("#a").select_option("baseline")
    page.locator("#b").select_option("no-reform")
    page.locator("#draws").fill("200")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/projection?**")
    assert page.get_by_test_id("scenario-baseline").is_visible()
    assert page.get_by_test_id("scenario-no-reform").is_visible()
    _shot(page, "analyst-projection")
    page.context.close()


def test_elder_mode_is_one_switch_and_keyboard_reaches_the_content(  # type: ignore[no-untyped-def]
    demo_server: str, browser
) -> None:
    page = _signed_in(browser, demo_server, "citizen")
    page.goto(f"{demo_server}/portal")
    small = page.evaluate("getComputedStyle(document.body).fontSize")
    page.get_by_test_id("mode-switch").click()
    page.wait_for_url(f"{demo_server}/portal")
    large = page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(large[:-2]) >= 1.25 * float(small[:-2])
    page.reload()  # remembered in the cookie
    assert page.evaluate("document.body.className") == "mode-elder"
    _shot(page, "citizen-portal-elder")
    page.keyboard.press("Tab")
    skip = page.locator(".skip")
    assert skip.evaluate("e => e === document.activeElement")
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.context.close()


MAIN_PAGES = {
    "citizen": ("/", "/portal", "/portal/estimate", "/portal/appeals", "/portal/data",
                "/transfers"),
    "employer": ("/employer/declare",),
    "clerk": ("/desk", "/desk/appeals", "/pension/queue"),
    "supervisor": ("/supervision",),
    "analyst": ("/projection?draws=200",),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_main_pages_have_no_serious_accessibility_violations(  # type: ignore[no-untyped-def]
    demo_server: str, browser, lang: str, mode: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}
    for role, paths in MAIN_PAGES.items():
        page = _signed_in(browser, demo_server, role, lang, mode)
        for path in paths:
            page.goto(f"{demo_server}{path}")
            violations = axe.run(page).response["violations"]
            serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                found[path] = serious
        page.context.close()
    assert found == {}, f"{lang}/{mode}: {found}"
