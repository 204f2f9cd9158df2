"""The explorer in a real headless Chromium: load, move a lever, step, save a scenario.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the page's assets, which the server
fixture caches from the npm registry when they are missing. Skipped only when Chromium is
absent.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from model.app.assets import fetch_missing
from model.app.settings import lever_controls
from model.inputs.calendar import parse_month
from model.inputs.scenario import baseline
from model.inputs.scenario_files import load_scenario, write_scenario
from model.inputs.timeline import compile_timeline

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOAD_TIMEOUT_MS = 90_000
ACTION_TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed at /usr/bin/chromium "
                                       "(apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve the page with a small scenario library; yield (url, library, log)."""
    # A fresh environment has an empty asset cache and CI reaches no CDN: fill the cache
    # from the npm registry first (what `python run.py app --fetch-assets` does).
    try:
        fetch_missing()
    except RuntimeError as error:
        pytest.fail(f"the page's assets are not cached and cannot be fetched: {error}")
    library = tmp_path_factory.mktemp("scenarios")
    write_scenario(baseline(), library / "baseline.toml")
    port = _free_port()
    log_path = library.parent / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "run.py", "app", "--port", str(port), "--scenarios", str(library)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer on {url}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url, library, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def load_failures():
    """Pages that did not render: after one, later tests fail at once instead of waiting."""
    return []


@pytest.fixture
def page(server, browser, load_failures):
    url, _, log_path = server
    if load_failures:
        pytest.fail(f"the page did not render in an earlier test: {load_failures[0]}")
    tab = browser.new_page(viewport={"width": 1600, "height": 1000})
    tab.set_default_timeout(ACTION_TIMEOUT_MS)
    tab.goto(url)
    try:
        tab.get_by_text("Month 2020-09").wait_for(timeout=LOAD_TIMEOUT_MS)
    except Exception:
        load_failures.append(url)
        pytest.fail("the page did not render (assets not cached and no CDN? run `python "
                    f"run.py app --fetch-assets`); server log:\n{log_path.read_text()[-3000:]}")
    yield tab
    tab.close()


def _status(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_server_answers_only_its_own_pages(server):
    url, _, _ = server
    port = url.rstrip("/").rsplit(":", 1)[1]
    assert _status(url) == 200
    assert _status(url, Origin=url.rstrip("/")) == 200
    assert _status(url, Origin="http://evil.example") == 403
    assert _status(url, Host=f"rebound.example:{port}") == 403


def test_a_websocket_from_another_site_is_refused(server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url, _, _ = server
    socket_url = (url.replace("http://", "ws://")
                  + "jupyter/api/kernels/probe/channels?session_id=probe")
    for origin in ("http://evil.example", None):
        with pytest.raises(InvalidStatus) as refused, \
                connect(socket_url, origin=origin, open_timeout=30):
            pass
        assert refused.value.response.status_code == 403, origin
    with connect(socket_url, origin=url.rstrip("/"), open_timeout=30) as own_page:
        assert own_page.response.status_code == 101


def test_the_server_is_not_reachable_from_other_machines(server):
    url, _, _ = server
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    import psutil

    outside = sorted({a.address for addresses in psutil.net_if_addrs().values()
                      for a in addresses
                      if a.family == socket.AF_INET and not a.address.startswith("127.")})
    if not outside:
        pytest.skip("this machine has no address besides loopback")
    for address in outside:
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
            pass


def _lever(page, name: str):
    return page.locator(".lever").filter(has=page.get_by_text(name, exact=True))


def _move_lever_right(page, name: str, presses: int) -> None:
    thumb = _lever(page, name).get_by_role("slider")
    thumb.focus()
    for _ in range(presses):
        thumb.press("ArrowRight")


def _chart_source(page) -> str:
    return page.locator(".shares-chart img").get_attribute("src")


def test_page_loads_with_title_controls_and_charts(page):
    assert page.get_by_text("Belarus opinion explorer").first.is_visible()
    for button in ("Reset", "Step"):
        assert page.get_by_role("button", name=button).is_visible()
    assert _lever(page, "visa_fee_eur").is_visible()
    assert _lever(page, "exchange_participants").is_visible()
    assert page.locator(".shares-chart img").is_visible()
    assert page.locator(".attitudes-chart img").is_visible()


def test_a_lever_slider_moves_its_value(page):
    value = _lever(page, "visa_fee_eur").locator(".lever-value")
    assert value.inner_text() == "35"
    assert page.locator(".pending-warning").count() == 0
    step = next(c.step for c in lever_controls() if c.name == "visa_fee_eur")
    _move_lever_right(page, "visa_fee_eur", 3)
    expected = f"{35 + 3 * step:g} (was 35)"
    page.wait_for_function("([e, text]) => e.innerText === text",
                           arg=[value.element_handle(), expected])
    page.locator(".pending-warning").wait_for()  # the run shown does not have it yet


def test_step_advances_the_month_and_redraws_the_chart(page):
    before = _chart_source(page)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Month 2020-10").wait_for()
    page.wait_for_function(
        "old => document.querySelector('.shares-chart img').getAttribute('src') !== old",
        arg=before)
    assert _chart_source(page) != before


def test_save_as_scenario_writes_a_file_that_validates(page, server):
    _, library, _ = server
    thumb = _lever(page, "open_crossings_poland").get_by_role("slider")
    thumb.focus()
    thumb.press("End")  # all five crossings open
    value = _lever(page, "open_crossings_poland").locator(".lever-value")
    value.get_by_text("5 (was 3)").wait_for()
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("open_crossings_poland 3 → 5").wait_for()
    page.get_by_label("Scenario name").fill("browser_what_if")
    save = page.get_by_role("button", name="Save as scenario")
    page.wait_for_function("b => !b.disabled", arg=save.element_handle())
    save.click()
    page.locator(".save-result").get_by_text("Saved", exact=False).wait_for()

    path = library / "saved" / "browser_what_if.toml"
    scenario = load_scenario(path)
    assert 'extends = "../baseline.toml"' in path.read_text()
    series = compile_timeline(scenario.timeline("open_crossings_poland"), scenario.start,
                              scenario.n_months)
    policy = parse_month("2026-01") - parse_month(scenario.start)
    reference = baseline().compile_inputs().series["open_crossings_poland"]
    assert series[policy:] == pytest.approx(5.0)
    assert list(series[:policy]) == list(reference[:policy])
    assert scenario.timeline("visa_fee_eur") == baseline().timeline("visa_fee_eur")
    assert os.path.getsize(path) > 0
