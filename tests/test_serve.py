"""``ailedger serve``: Datasette on a fresh release's ``ailedger.db``, read through its JSON API and in a real browser.

The browser is Debian's ``chromium`` driven by Selenium through ``/usr/bin/chromedriver``
(``.ci/run`` installs both; nothing downloads a browser). Outside CI the browser
test skips when chromium is missing; in CI (``CI=true``) it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from releases import chinese_dataset

from ailedger import serve
from ailedger.release import build_release, database

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver") or "/usr/bin/chromedriver"
QUOTE = "Example Labs from Hangzhou released its open model Example-1 on 2 March"
SOURCE = "Example Labs releases Example-1"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    dataset, texts = chinese_dataset(root)
    build_release(dataset, root / "release", texts)
    return root / "release"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def site(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ailedger serve RELEASE`` in a child process; yields its base URL and stops it afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ailedger", "serve", str(release), "--port", str(port)], stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # up to a minute on a loaded machine; bounded, then fail with the server's log
            if proc.poll() is not None:
                break
            try:
                get(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        else:
            pytest.fail(f"ailedger serve did not answer on {base}:\n{log.read_text(errors='replace')}")
        if proc.poll() is not None:
            pytest.fail(f"ailedger serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None


def test_command_serves_read_only_on_this_machine_with_metadata_and_quotes_plugin(release: Path) -> None:
    args = serve.command(release, 8123)
    assert args[:3] == ["serve", "--immutable", str(release / database.FILE)]
    assert args[args.index("--host") + 1] == "127.0.0.1" and args[args.index("--port") + 1] == "8123"
    assert args[args.index("--metadata") + 1] == str(release / database.METADATA)
    assert (Path(args[args.index("--plugins-dir") + 1]) / "ailedger_site.py").is_file()
    assert (Path(args[args.index("--template-dir") + 1]) / "_table.html").is_file()


def test_a_folder_without_the_database_is_refused_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ailedger.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", str(tmp_path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"{tmp_path} has no ailedger.db" in err and "ailedger build --out DIR" in err


@pytest.mark.slow
def test_a_record_and_its_quotes_through_the_json_api(site: str) -> None:
    model = get(f"{site}/ailedger/models/example-1.json?_shape=objects")["rows"][0]
    assert (model["name"], model["available"], model["available_earliest"]) == ("Example-1", "2026-03-02", "2026-03-02")
    assert json.loads(model["aliases"]) == ["示例一号"]
    quotes = get(f"{site}/ailedger/citations.json?record_id=example-1&_shape=array")
    assert [q["quote"] for q in quotes] == [QUOTE, "示例实验室在杭州发布了示例一号"]
    facts = get(f"{site}/ailedger/facts.json?record_id=example-1&_shape=array")
    assert {(f["quote"], f["source_title"], f["publisher"]) for f in facts} >= {(QUOTE, SOURCE, "Example Daily")}
    found = get(f"{site}/ailedger/citations.json?_search=Hangzhou&_shape=array")
    assert {q["record_id"] for q in found} == {"example-labs", "example-1", "example-1-launch"}
    months = get(f"{site}/ailedger/launches_by_month.json?_shape=array")
    assert [(m["month"], m["launches"]) for m in months] == [("2026-03", 2)]
    meta = get(f"{site}/-/metadata.json")
    assert meta["license"] == "CC-BY-4.0"


@pytest.mark.slow
def test_a_record_page_links_its_references_to_their_records(site: str) -> None:
    """A metric's subject may be a model or an organization: the link goes to the record's own table."""
    with urllib.request.urlopen(f"{site}/ailedger/metrics/example-app-wau-2026-02", timeout=10) as response:
        page = response.read().decode()
    assert '<a href="/ailedger/models/example-app">example-app</a>' in page
    assert '<a href="/ailedger/organizations/countco">countco</a>' in page
    assert "According to the data provider CountCo" in page


def _browser(profile: Path) -> Any:
    if CHROMIUM is None or not Path(CHROMEDRIVER).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: .ci/run installs chromium and chromium-driver (apt-get)")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


@pytest.mark.slow
def test_a_record_page_shows_each_quote_and_its_source_in_a_browser(site: str, tmp_path: Path) -> None:
    from PIL import Image
    from selenium.webdriver.common.by import By

    driver = _browser(tmp_path / "profile")
    try:
        driver.get(f"{site}/ailedger/models/example-1")
        assert driver.title.startswith("ailedger: models")
        fields = {
            row.find_element(By.TAG_NAME, "th").text: row.find_elements(By.TAG_NAME, "td")
            for row in driver.find_elements(By.CSS_SELECTOR, "table.ailedger-record tr")
        }
        assert fields["name"][0].text == "Example-1" and fields["available_earliest"][0].text == "2026-03-02"
        assert fields["available"][1].text.startswith("When the public could first use it")  # the dictionary's meaning
        section = driver.find_element(By.CSS_SELECTOR, "section.ailedger-quotes")
        quotes = [q.text for q in section.find_elements(By.CSS_SELECTOR, "td.ailedger-quote blockquote")]
        assert QUOTE in quotes
        sources = section.find_elements(By.CSS_SELECTOR, "td.ailedger-source")
        assert SOURCE in sources[quotes.index(QUOTE)].text and "Example Daily, 2026-03-10" in sources[0].text
        link = sources[0].find_element(By.LINK_TEXT, SOURCE)
        assert link.get_attribute("href") == f"{site}/ailedger/sources/example-news"
        assert section.is_displayed()
        page, quotes_shot = tmp_path / "record.png", tmp_path / "quotes.png"
        assert driver.save_screenshot(str(page)) and section.screenshot(str(quotes_shot))
    finally:
        driver.quit()
    with Image.open(page) as image:
        assert image.size[0] >= 1000
    with Image.open(quotes_shot) as image:
        # The quotes section as drawn: wide and tall enough for a heading and a row, and not blank.
        gray = image.convert("L")
        dark = sum(gray.histogram()[:128])
        assert gray.size[0] > 600 and gray.size[1] > 80 and dark > 500, (gray.size, dark)
    print(f"screenshot: {page}")
