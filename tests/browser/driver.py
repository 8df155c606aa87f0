"""A minimal W3C WebDriver client for headless Chromium through ``chromedriver`` (plain HTTP,
``urllib`` only: no selenium).

Only what the report's browser test needs: start chromedriver on a free port, open a session
with the suite's Chromium flags and a fresh profile, navigate, run scripts, find and click
elements, type, take screenshots, send DevTools (CDP) commands through chromedriver's
``goog/cdp/execute`` extension, and read the browser's console log.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "BrowserMissing", "WebDriverError", "find_browser", "Chrome"]

#: Flags for a quiet, isolated headless browser (a fresh --user-data-dir is added per session).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--force-device-scale-factor=1")
_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class BrowserMissing(RuntimeError):
    """Chromium or chromedriver is not installed."""


class WebDriverError(RuntimeError):
    """chromedriver answered with an error."""


def find_browser() -> tuple[str, str]:
    """Paths of the Chromium binary and of chromedriver.

    Looks at ``$CHROMIUM`` / ``$CHROMEDRIVER`` first, then the PATH (Debian names first).

    Raises
    ------
    BrowserMissing
        Naming what is missing and how to install it.
    """
    browser = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path]
    if missing:
        raise BrowserMissing(f"{' and '.join(missing)} not found on PATH "
                             "(Debian: apt-get install chromium chromium-driver).")
    return str(browser), str(driver)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Chrome:
    """One chromedriver process with one headless Chromium session.

    Parameters
    ----------
    width, height : int
        Window size in CSS pixels.
    javascript : bool
        False starts the browser with JavaScript disabled for every page.
    timeout : float
        Seconds to wait for chromedriver and for each command.
    """

    def __init__(self, width: int = 1400, height: int = 1000, javascript: bool = True,
                 timeout: float = 30.0) -> None:
        browser, driver = find_browser()
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="report-browser-")
        self._port = _free_port()
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([driver, f"--port={self._port}"], stdout=self._log,
                                      stderr=subprocess.STDOUT)
        self._base = f"http://127.0.0.1:{self._port}"
        self.session = ""
        try:
            self._wait_ready()
            prefs = {} if javascript else {"profile.managed_default_content_settings.javascript": 2}
            caps = {"browserName": "chrome",
                    "goog:loggingPrefs": {"browser": "ALL"},
                    "goog:chromeOptions": {
                        "binary": browser,
                        "args": [*CHROMIUM_FLAGS, f"--user-data-dir={self._profile}",
                                 f"--window-size={width},{height}"],
                        "prefs": prefs}}
            value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
            self.session = value["sessionId"]
        except BaseException:
            self.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------------

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise WebDriverError(f"chromedriver exited with status {self._proc.returncode}: "
                                     f"{self.driver_log()}")
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.05)
        raise WebDriverError(f"chromedriver did not start within {self.timeout} s.")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self._base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                payload = json.loads(exc.read() or b"{}")
            except ValueError:
                payload = {}
            value = payload.get("value") or {}
            raise WebDriverError(f"{method} {path}: {value.get('error', exc.code)}: "
                                 f"{str(value.get('message', '')).splitlines()[0:1]}") from None
        return payload.get("value")

    def _s(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def driver_log(self) -> str:
        """chromedriver's own output so far (for error messages)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    # -- commands -------------------------------------------------------------------------------

    def get(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self._s("POST", "/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body; ``arguments`` holds ``args``) and return its value."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        """The element id of the first match of ``css``."""
        return self._s("POST", "/element", {"using": "css selector", "value": css})[_ELEMENT]

    def find_all(self, css: str) -> list[str]:
        """Element ids of every match of ``css``."""
        return [e[_ELEMENT] for e in self._s("POST", "/elements",
                                              {"using": "css selector", "value": css})]

    def click(self, element: str) -> None:
        """Click an element like a user (scrolls it into view first)."""
        self._s("POST", f"/element/{element}/click", {})

    def type(self, element: str, text: str) -> None:
        """Type ``text`` into an element."""
        self._s("POST", f"/element/{element}/value", {"text": text})

    def clear(self, element: str) -> None:
        """Clear an input element."""
        self._s("POST", f"/element/{element}/clear", {})

    def displayed(self, element: str) -> bool:
        """Whether the element is rendered visibly."""
        return bool(self._s("GET", f"/element/{element}/displayed"))

    def rect(self, element: str) -> dict:
        """The element's position and size in CSS pixels."""
        return self._s("GET", f"/element/{element}/rect")

    def screenshot(self, path: str | os.PathLike[str], element: str | None = None) -> Path:
        """Save a PNG of the viewport (or of one element) to ``path``."""
        where = f"/element/{element}/screenshot" if element else "/screenshot"
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(self._s("GET", where)))
        return out

    def cdp(self, command: str, **params: Any) -> Any:
        """Send one DevTools protocol command through chromedriver."""
        return self._s("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def console(self) -> list[dict]:
        """Console entries logged since the last call (chromedriver's ``browser`` log)."""
        return self._s("POST", "/se/log", {"type": "browser"}) or []

    def close(self) -> None:
        """End the session and stop chromedriver (and its browser)."""
        try:
            if self.session:
                self._call("DELETE", f"/session/{self.session}")
        except (OSError, WebDriverError):
            pass
        finally:
            self.session = ""
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "Chrome":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
