"""The dashboard in a real browser: `scopeon serve --tier 2` on the fixture, the page loaded
in headless Chromium, and the numbers it shows compared with the API's. Screenshots (desktop
and phone width) are kept under the cargo target directory as artifacts. Run by browser.sh."""

import html
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Server, binary

CHROMIUM = os.environ.get("CHROMIUM", "chromium")


def chromium(url, *args):
    with tempfile.TemporaryDirectory(prefix="scopeon-chromium-") as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", f"--user-data-dir={profile}", "--virtual-time-budget=8000",
             *args, url],
            capture_output=True, text=True, timeout=90,
        )
    if run.returncode != 0:
        raise SystemExit(f"chromium failed ({run.returncode}): {run.stderr[-2000:]}")
    return run.stdout


def text_of(dom, element_id):
    match = re.search(r'id="%s"[^>]*>([^<]*)<' % re.escape(element_id), dom)
    if not match:
        raise SystemExit(f"#{element_id} not in the page")
    return html.unescape(match.group(1))


def cells(dom, table_id):
    match = re.search(r'<table id="%s">(.*?)</table>' % re.escape(table_id), dom, re.S)
    if not match:
        raise SystemExit(f"table #{table_id} not in the page")
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", match.group(1))]


def usd(value):
    return "–" if value is None else f"${value:.2f}"


def main():
    artifacts = Path(os.environ.get("CARGO_TARGET_DIR") or "target") / "serve-browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    server = Server(binary(), "--tier", "2")
    failures = []
    try:
        dom = chromium(server.url + "/", "--dump-dom")
        (artifacts / "dashboard.html").write_text(dom)
        if 'data-loaded="true"' not in dom:
            raise SystemExit("the page did not finish loading its data")
        today = server.get("/api/v1/report?since=1d&until=1d&by=")["totals"]
        expect = {
            "today-requests": f"{today['requests']:,}",
            "today-tokens": f"{today['total_tokens']:,}",
            "today-cost": usd(today["cost_usd"]),
        }
        for element_id, value in expect.items():
            shown = text_of(dom, element_id)
            if shown != value:
                failures.append(f"#{element_id}: page {shown!r}, API {value!r}")
        models = server.get("/api/v1/report?since=30d&by=model")["rows"]
        shown = cells(dom, "models")
        for row in models:
            name = row["key"]["model"] or "(unknown)"
            expected = [name, f"{row['requests']:,}", f"{row['total_tokens']:,}", usd(row["cost_usd"])]
            start = shown.index(name) if name in shown else -1
            if start < 0 or shown[start:start + 4] != expected:
                failures.append(f"models: {expected} not shown (page cells {shown})")
        projects = server.get("/api/v1/report?since=30d&by=project")["rows"]
        shown = cells(dom, "projects")
        for row in projects:
            if (row["key"]["project"] or "(unknown)") not in shown:
                failures.append(f"projects: {row['key']['project']!r} not shown")
        days = server.get("/api/v1/report?since=30d&by=day")["rows"]
        bars = dom.count('class="bar"')
        if bars != len(days):
            failures.append(f"chart: {bars} bars for {len(days)} days")
        blocks = server.get("/api/v1/blocks?active=true&token_limit=max")["blocks"]
        shown = cells(dom, "blocks")
        for block in blocks:
            if block["provider"] not in shown or usd(block["cost_usd"]) not in shown:
                failures.append(f"blocks: {block['provider']} {usd(block['cost_usd'])} not shown")
        if "SCOPEON-PRIVACY-MARKER" in dom:
            failures.append("the privacy marker reached the page")
        chromium(server.url + "/", f"--screenshot={artifacts / 'dashboard.png'}", "--window-size=1280,1400")
        chromium(server.url + "/", f"--screenshot={artifacts / 'dashboard-phone.png'}", "--window-size=390,1600")
    finally:
        server.stop()
    if failures:
        print("\n".join(failures), file=sys.stderr)
        raise SystemExit(1)
    print(f"dashboard: numbers match the API; screenshots in {artifacts}")


if __name__ == "__main__":
    main()
