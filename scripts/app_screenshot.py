"""Screenshot of the interactive explorer for the docs: ``docs/figures/app.png``.

Serves the page (``python run.py app``) on a free local port with the project's scenario
library (or a one-file library if it has no ``baseline.toml``), moves two levers, applies
them with Reset, steps to mid-2028 and takes the shot in Debian's headless Chromium.

Usage: python scripts/app_screenshot.py [OUTPUT.png]
"""

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.inputs.calendar import format_month, parse_month  # noqa: E402
from model.inputs.scenario import baseline  # noqa: E402
from model.inputs.scenario_files import write_scenario  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAST_MONTH = "2028-06"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_served(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"no answer from {url}")


def _set_lever(page, name: str, key: str, presses: int = 1) -> None:
    lever = page.locator(".lever").filter(has=page.get_by_text(name, exact=True))
    thumb = lever.get_by_role("slider")
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)


def main(output: Path) -> None:
    """Serve the page, bring it to a realistic state and save the screenshot."""
    with tempfile.TemporaryDirectory() as scratch:
        # The project's library when it has a baseline file; else a one-file library.
        library = str(ROOT / "scenarios")
        if not (ROOT / "scenarios" / "baseline.toml").is_file():
            library = scratch
            write_scenario(baseline(), Path(scratch) / "baseline.toml")
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        process = subprocess.Popen([sys.executable, "run.py", "app", "--port", str(port),
                                    "--scenarios", library], cwd=ROOT)
        try:
            _wait_until_served(url, process)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(url)
                page.get_by_text("Month 2020-09").wait_for(timeout=90_000)
                _set_lever(page, "open_crossings_poland", "End")
                _set_lever(page, "visa_fee_eur", "Home")
                page.get_by_role("button", name="Reset").click()
                page.get_by_text("open_crossings_poland 3 → 5").wait_for()
                start = parse_month("2020-09")
                for month in range(start + 1, parse_month(LAST_MONTH) + 1):
                    page.get_by_role("button", name="Step").click()
                    page.get_by_text(f"Month {format_month(month)}").wait_for()
                page.mouse.move(1500, 980)
                time.sleep(1)
                output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(output))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "figures" / "app.png")
