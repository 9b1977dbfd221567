"""Open a rendered HTML report in headless Chromium, offline, and report what a reader would hit.

A tiny client of the Chrome DevTools Protocol (over ``websockets``) rather than a browser
automation framework: it starts ``chromium --headless`` with every network route closed
(a proxy on a dead port and a host resolver that resolves nothing), loads the file, and
collects

- every request that is not ``file:`` or ``data:`` (a self-contained report makes none),
- console errors and warnings, uncaught exceptions and browser log errors,
- every ``<img>`` that did not load (``complete`` and a natural width), and its alt text,
- the headings in document order, and whether the page has a viewport meta tag.

Used by tests/report/test_reader.py only.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

#: What the page reports about itself once loaded (run in the page after the load event).
_INSPECT = """JSON.stringify({
  images: Array.from(document.images).map(i => ({
    alt: i.getAttribute('alt'), ok: i.complete && i.naturalWidth > 0,
    src: (i.getAttribute('src') || '').slice(0, 40)})),
  headings: Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(
    h => [Number(h.tagName[1]), h.textContent.trim()]),
  viewport: !!document.querySelector('meta[name=viewport]'),
  lang: document.documentElement.lang,
  scrollWidth: document.documentElement.scrollWidth,
  text: document.body.innerText
})"""


def chromium() -> str | None:
    """Path of a Chromium binary on PATH, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What a reader's browser met when opening one page."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    viewport: bool = False
    lang: str = ""
    scroll_width: int = 0
    text: str = ""

    @property
    def broken_images(self) -> list[dict[str, Any]]:
        return [i for i in self.images if not i["ok"]]


async def _inspect(ws_url: str, url: str, *, width: int, timeout: float) -> PageReport:
    import websockets

    report = PageReport()
    async with websockets.connect(ws_url, max_size=None) as ws:
        ids = iter(range(1, 1_000_000))
        pending: dict[int, asyncio.Future[Any]] = {}
        loaded = asyncio.Event()

        async def listen() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in pending:
                    pending.pop(msg["id"]).set_result(msg)
                    continue
                method, params = msg.get("method"), msg.get("params", {})
                if method == "Network.requestWillBeSent":
                    request_url = params["request"]["url"]
                    if not request_url.startswith(("file:", "data:")):
                        report.requests.append(request_url)
                elif method == "Runtime.consoleAPICalled" and params["type"] in (
                    "error",
                    "warning",
                ):
                    args = " ".join(
                        str(a.get("value", a.get("description", ""))) for a in params["args"]
                    )
                    report.console.append(f"console.{params['type']}: {args}")
                elif method == "Runtime.exceptionThrown":
                    details = params["exceptionDetails"]
                    text = details.get("exception", {}).get("description") or details.get("text")
                    report.console.append(f"exception: {text}")
                elif method == "Log.entryAdded" and params["entry"]["level"] in (
                    "error",
                    "warning",
                ):
                    entry = params["entry"]
                    report.console.append(
                        f"log.{entry['level']}: {entry['text']} {entry.get('url', '')}"
                    )
                elif method == "Page.loadEventFired":
                    loaded.set()

        async def call(method: str, **params: Any) -> Any:
            key = next(ids)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            pending[key] = future
            await ws.send(json.dumps({"id": key, "method": method, "params": params}))
            return await asyncio.wait_for(future, timeout)

        listener = asyncio.create_task(listen())
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                await call(f"{domain}.enable")
            await call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=900,
                deviceScaleFactor=1,
                mobile=width < 600,
            )
            await call("Page.navigate", url=url)
            await asyncio.wait_for(loaded.wait(), timeout)
            await asyncio.sleep(0.5)  # late scripts and their errors
            result = await call("Runtime.evaluate", expression=_INSPECT, returnByValue=True)
            page = json.loads(result["result"]["result"]["value"])
        finally:
            listener.cancel()
    report.images = page["images"]
    report.headings = [(int(level), text) for level, text in page["headings"]]
    report.viewport = bool(page["viewport"])
    report.lang = str(page["lang"])
    report.scroll_width = int(page["scrollWidth"])
    report.text = str(page["text"])
    return report


def open_offline(path: Path, *, width: int = 1200, timeout: float = 60.0) -> PageReport:
    """Load ``path`` in headless Chromium with no network and return what it met.

    A browser that fails to start or to answer (a busy machine) is given one more try;
    what the page itself does is never retried.
    """
    try:
        return _open_offline(path, width=width, timeout=timeout)
    except (OSError, RuntimeError, TimeoutError):
        return _open_offline(path, width=width, timeout=timeout)


def _open_offline(path: Path, *, width: int, timeout: float) -> PageReport:
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium binary on PATH")
    with tempfile.TemporaryDirectory(prefix="impact-chromium-") as profile:
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--proxy-server=127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            ws_url = _devtools_url(process, timeout=timeout)
            return asyncio.run(
                _inspect(ws_url, path.resolve().as_uri(), width=width, timeout=timeout)
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _devtools_url(process: subprocess.Popen[str], *, timeout: float) -> str:
    """The page target's WebSocket URL, from the port Chromium prints on stderr."""
    import time
    import urllib.request

    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    port = None
    for line in process.stderr:
        match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if match:
            port = int(match.group(1))
            break
        if time.monotonic() > deadline:
            break
    if port is None:
        raise RuntimeError("Chromium did not start its DevTools endpoint")
    # Keep reading Chromium's chatter so that a full pipe never blocks it.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        try:
            with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                targets = json.load(response)
        except OSError:  # the endpoint is announced a moment before it answers
            time.sleep(0.2)
            continue
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return str(pages[0]["webSocketDebuggerUrl"])
        time.sleep(0.1)
    raise RuntimeError("Chromium opened no page target")
