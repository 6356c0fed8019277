"""Teams on existing engines (docs/teams.md): a real Prometheus scrapes `scopeon serve`'s
/metrics, and a local OTLP/HTTP receiver decoding with the official protobuf definitions
(PyPI's opentelemetry-proto) takes `scopeon export otlp` and `scopeon serve --otlp-endpoint`
pushes. Every address is 127.0.0.1; every wait is bounded."""

import gzip
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
import common  # noqa: E402  (serve's fixture home and server runner)

BINARY = common.binary()
SECRET = "teams-test-secret-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_home():
    home = tempfile.mkdtemp(prefix="scopeon-teams-")
    shutil.copytree(common.FIXTURE, home, dirs_exist_ok=True)
    return home


def scopeon_env(home, extra=None):
    env = {"HOME": home, "TZ": "UTC", "SCOPEON_NOW": common.NOW, "PATH": "/usr/bin:/bin"}
    env.update(extra or {})
    return env


def report_by_provider(home):
    """The all-time report by provider, as `scopeon report --json` prints it."""
    out = subprocess.run(
        [BINARY, "report", "--json", "--no-scan", "--by", "provider"],
        env=scopeon_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return json.loads(out)


# --- Prometheus -------------------------------------------------------------------------


def prometheus_query(base, expr):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as answer:
        doc = json.load(answer)
    assert doc["status"] == "success", doc
    return doc["data"]["result"]


def test_prometheus_scrapes_the_report_totals(tmp_path):
    server = common.Server(BINARY, env={"SCOPEON_SECRET": SECRET})
    prom = None
    try:
        # The exposition itself: content type, and valid for Prometheus's own linter.
        request = urllib.request.Request(
            server.url + "/metrics", headers={"Authorization": f"Bearer {SECRET}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
            text = answer.read().decode()
        assert 'scopeon_build_info{version="' in text
        assert "project=" not in text and "session" not in text
        lint = subprocess.run(
            ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
        )
        # promtool lints naming too; only a parse error is a failure here.
        assert "error while linting" not in (lint.stdout + lint.stderr), lint.stdout + lint.stderr

        token_file = tmp_path / "token"
        token_file.write_text(SECRET)
        token_file.chmod(0o600)
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: scopeon\n"
            "    scrape_interval: 1s\n"
            "    authorization:\n"
            "      type: Bearer\n"
            f"      credentials_file: {token_file}\n"
            "    static_configs:\n"
            f"      - targets: ['{server.url.removeprefix('http://')}']\n"
        )
        port = free_port()
        prom = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        result = []
        while not result:
            assert time.monotonic() < deadline, "Prometheus scraped nothing in 60 s"
            time.sleep(0.5)
            try:
                result = prometheus_query(base, "sum(scopeon_tokens_total)")
            except OSError:
                continue
        report = report_by_provider(server.home)
        assert report["totals"]["total_tokens"] > 0
        assert float(result[0]["value"][1]) == report["totals"]["total_tokens"]

        costs = {
            r["metric"]["provider"]: float(r["value"][1])
            for r in prometheus_query(base, "sum by (provider)(scopeon_cost_usd_total)")
        }
        want = {row["key"]["provider"]: row["cost_usd"] or 0.0 for row in report["rows"]}
        assert costs.keys() == want.keys()
        for provider, cost in want.items():
            assert costs[provider] == pytest.approx(cost, rel=1e-12, abs=1e-12), provider
        up = prometheus_query(base, 'up{job="scopeon"}')
        assert up[0]["value"][1] == "1"
    finally:
        if prom is not None:
            prom.terminate()
            prom.wait(timeout=10)
        server.stop()


# --- OTLP ------------------------------------------------------------------------------


class Receiver:
    """An OTLP/HTTP metrics receiver on 127.0.0.1 answering the statuses it is given in turn
    (200 once they run out), keeping every request and the batches it accepted."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []  # (headers, decoded request)
        self.accepted = []
        self.argv_leaks = []
        self.secrets = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                message = ExportMetricsServiceRequest()
                if self.headers["Content-Type"] == "application/json":
                    json_format.Parse(body.decode(), message)
                else:
                    message.ParseFromString(body)
                receiver.check_argv()
                receiver.received.append((dict(self.headers), self.path, message))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if 200 <= status < 300:
                    receiver.accepted.append(message)
                self.send_response(status)
                if status == 503:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check_argv(self):
        """While the sender waits for this answer: no process's argv holds a secret."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            for secret in self.secrets:
                if secret in argv:
                    self.argv_leaks.append((pid, secret))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sums(message):
    """Per metric: the sum of its points, and of cost per provider."""
    totals, cost_by_provider = {}, {}
    for rm in message.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                assert metric.sum.is_monotonic, metric.name
                assert metric.sum.aggregation_temporality == 2, metric.name  # cumulative
                for p in metric.sum.data_points:
                    value = p.as_int if p.WhichOneof("value") == "as_int" else p.as_double
                    totals[metric.name] = totals.get(metric.name, 0) + value
                    if metric.name == "scopeon.cost":
                        attrs = {a.key: a.value.string_value for a in p.attributes}
                        provider = attrs["gen_ai.provider.name"]
                        cost_by_provider[provider] = cost_by_provider.get(provider, 0) + value
    return totals, cost_by_provider


def resource_attrs(message):
    return {a.key: a.value.string_value for a in message.resource_metrics[0].resource.attributes}


def export(home, *args, env=None):
    return subprocess.run(
        [BINARY, "export", "otlp", *args],
        env=scopeon_env(home, env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_export_sends_the_report_totals(protocol):
    home = fixture_home()
    receiver = Receiver()
    receiver.secrets = ["otlp-key-7f3a", f"{receiver.url}"]
    try:
        done = export(
            home,
            "--protocol",
            protocol,
            env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=otlp-key-7f3a",
            },
        )
        assert done.returncode == 0, done.stderr
        assert len(receiver.received) == 1
        headers, path, message = receiver.received[0]
        assert path == "/v1/metrics"
        assert headers["x-api-key"] == "otlp-key-7f3a"
        assert headers["Content-Encoding"] == "gzip"
        assert receiver.argv_leaks == []
        assert "otlp-key-7f3a" not in done.stderr

        report = report_by_provider(home)
        totals, costs = sums(message)
        assert totals["scopeon.tokens"] == report["totals"]["total_tokens"]
        assert totals["scopeon.requests"] == report["totals"]["requests"]
        for row in report["rows"]:
            assert costs[row["key"]["provider"]] == pytest.approx(row["cost_usd"] or 0.0, rel=1e-12)
        attrs = resource_attrs(message)
        assert attrs["service.name"] == "scopeon"
        assert "host.name" not in attrs
        # Start time: the earliest stored request, the same on every run.
        points = message.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points
        assert len({p.start_time_unix_nano for p in points}) == 1
        assert points[0].start_time_unix_nano < points[0].time_unix_nano
    finally:
        receiver.close()
        shutil.rmtree(home, ignore_errors=True)


def test_a_503_is_retried_once_accepted_and_host_name_only_when_asked():
    home = fixture_home()
    receiver = Receiver(statuses=[503, 200])
    try:
        done = export(
            home, "--endpoint", receiver.url, "--resource-host-name", "dev-laptop-7"
        )
        assert done.returncode == 0, done.stderr
        assert len(receiver.received) == 2
        assert len(receiver.accepted) == 1
        # The retry sends the same cumulative totals: nothing counted twice.
        assert sums(receiver.received[0][2]) == sums(receiver.received[1][2])
        assert resource_attrs(receiver.accepted[0])["host.name"] == "dev-laptop-7"
    finally:
        receiver.close()
        shutil.rmtree(home, ignore_errors=True)


def test_a_400_is_not_retried_and_the_export_fails():
    home = fixture_home()
    receiver = Receiver(statuses=[400])
    try:
        done = export(home, "--endpoint", receiver.url + "/secret-path")
        assert done.returncode == 1
        assert len(receiver.received) == 1
        assert receiver.accepted == []
        assert "400" in done.stderr and "not retried" in done.stderr
        assert "secret-path" not in done.stderr
    finally:
        receiver.close()
        shutil.rmtree(home, ignore_errors=True)


def test_serve_pushes_periodically_with_a_fixed_start_time():
    receiver = Receiver()
    server = common.Server(
        BINARY, "--otlp-endpoint", receiver.url, "--otlp-interval", "1s", "--otlp-protocol", "http/json"
    )
    try:
        deadline = time.monotonic() + 30
        while len(receiver.accepted) < 2:
            assert time.monotonic() < deadline, "fewer than two pushes in 30 s"
            time.sleep(0.2)
        first, second = receiver.accepted[0], receiver.accepted[1]
        start = lambda m: m.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0].start_time_unix_nano  # noqa: E731
        assert start(first) == start(second)
        report = report_by_provider(server.home)
        assert sums(second)[0]["scopeon.tokens"] == report["totals"]["total_tokens"]
    finally:
        server.stop()
        receiver.close()
