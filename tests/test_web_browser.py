"""Browser tests: Debian's chromium, headless, driven by Selenium against the served app.

Selenium Manager never runs: the driver and the browser are given by path. Screenshots are saved to
artifacts/screenshots/ (gitignored) as test artifacts.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import web_fixtures
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = web_fixtures.ARTIFACTS / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromedriver are not installed (make browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="budgetkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--window-size=1280,1000", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(30)  # a click navigates; lookups wait for the next page instead of racing it
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver: Any, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_search_then_entity_page(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/search")
    box = browser.find_element(By.ID, "q")
    box.send_keys("物业管理")
    browser.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    summary = browser.find_element(By.ID, "summary")
    assert "条结果" in summary.text
    assert browser.find_elements(By.CSS_SELECTOR, "p.hl mark"), "highlights are rendered as <mark>"
    shot(browser, "01-search")
    first = browser.find_element(By.CSS_SELECTOR, "li.hit a.title")
    title = first.text
    first.click()
    assert browser.find_element(By.TAG_NAME, "h1").text.strip() != ""
    assert "/id/" in browser.current_url
    assert title.split()[0][:4] in browser.page_source
    shot(browser, "02-entity")
    source = browser.find_element(By.CSS_SELECTOR, "a.src")
    source.click()
    assert "#L" in browser.current_url and "/id/doc/" in browser.current_url
    shot(browser, "03-source-line")


@web_fixtures.needs_check
def test_check_form_gives_a_verdict(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/check")
    browser.find_element(By.ID, "text").send_keys("物业管理服务")
    browser.find_element(By.ID, "department").send_keys("行政审批")
    browser.execute_script("document.getElementById('date').value = '2024-06-01'")
    browser.find_element(By.ID, "check-submit").click()
    verdict = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "verdict"))
    assert verdict.get_attribute("data-verdict") == "purchasable-b-class"
    assert "可以购买" in verdict.text
    assert "B1102" in browser.find_element(By.ID, "evidence-b_class").text
    shot(browser, "04-check")


def test_catalog_browse(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/catalog")
    tree = browser.find_element(By.ID, "catalog-tree")
    assert "仅存片段" in tree.text
    shot(browser, "05-catalog-tree")
    browser.find_element(By.LINK_TEXT, "2024").click()
    assert browser.find_element(By.ID, "fragment-note").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#departments a").click()
    entries = browser.find_elements(By.CSS_SELECTOR, "#entries li")
    assert entries
    shot(browser, "06-catalog-department")
    entries[0].find_element(By.CSS_SELECTOR, "a").click()
    assert browser.find_element(By.ID, "code-path")
    shot(browser, "07-catalog-entry")


@web_fixtures.needs_check
def test_diff(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server + "/diff")
    Select(browser.find_element(By.ID, "from")).select_by_value("2023")
    Select(browser.find_element(By.ID, "to")).select_by_value("2025")
    browser.find_element(By.ID, "diff-submit").click()
    counts = browser.find_element(By.ID, "diff-counts").text
    assert "新增" in counts and "改名" in counts
    rows = browser.find_elements(By.CSS_SELECTOR, "#diff-table tr")
    assert len(rows) > 1
    shot(browser, "08-diff")


def test_unit_page_chart(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/units")
    browser.find_element(By.CSS_SELECTOR, "table a").click()
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 2 and charts[0].size["height"] > 20
    shot(browser, "09-unit")
