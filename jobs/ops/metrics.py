"""An optional Prometheus /metrics endpoint: PAPERBOY_METRICS_PORT=9108 serves it while the bot runs.

prometheus-client is an extra (`metrics`); the lock files install it. Until the endpoint starts, every
recorder here does nothing and nothing imports prometheus-client; asked for without the extra, it says how to
install it. `health` stays the container's check: this is for dashboards and alerts on trends (cycle
duration, papers ingested, messages sent and failed, outbox depth, search latency).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from jobs.ops.cycle_summary import CycleFigures

PORT_ENV = "PAPERBOY_METRICS_PORT"
ADDR_ENV = "PAPERBOY_METRICS_ADDR"
log = logging.getLogger(__name__)

class _Metrics:
    def __init__(self, prom: Any) -> None:
        self.cycle_seconds = prom.Histogram(
            "paperboy_cycle_duration_seconds", "How long a digest cycle took (ingest, plan, send)",
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800))
        self.cycles = prom.Counter("paperboy_cycles", "Digest cycles finished", ["trigger"])
        self.papers = prom.Counter("paperboy_papers_ingested", "New papers stored by digest cycles")
        self.sent = prom.Counter("paperboy_messages_sent", "Outbox messages sent (channel posts and DMs)")
        self.failed = prom.Counter("paperboy_messages_failed", "Outbox messages whose send failed")
        self.sources_failed = prom.Counter("paperboy_source_failures", "Sources a cycle could not read", ["source"])
        self.outbox = prom.Gauge("paperboy_outbox_depth", "Outbox rows after the last cycle", ["status"])
        self.search_seconds = prom.Histogram(
            "paperboy_search_duration_seconds", "How long a search took (query, ranking, page, snippets)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))


# Made when the endpoint starts: until then (every command but a `run` asked for metrics) nothing is
# recorded and prometheus-client is never imported.
METRICS: _Metrics | None = None


def enabled() -> bool:
    """Is the endpoint serving? Callers skip work only the metrics need."""
    return METRICS is not None


def record_cycle(figures: CycleFigures, outbox: dict[str, int]) -> None:
    if METRICS is None:
        return
    METRICS.cycle_seconds.observe(figures.duration)
    METRICS.cycles.labels(figures.trigger.split(":")[0]).inc()  # "command:<user id>" would grow without end
    METRICS.papers.inc(figures.new_papers)
    METRICS.sent.inc(figures.messages_sent)
    METRICS.failed.inc(figures.messages_failed)
    for name in figures.sources_failed:
        METRICS.sources_failed.labels(name).inc()
    for status in {"pending": 0, "sent": 0, "failed": 0} | outbox:
        METRICS.outbox.labels(status).set(outbox.get(status, 0))


def record_search(seconds: float) -> None:
    if METRICS is not None:
        METRICS.search_seconds.observe(seconds)


def serve_from_env() -> int | None:
    """Start the /metrics endpoint when PAPERBOY_METRICS_PORT is set (a thread; 0 picks a free port): the port
    it listens on, or None. Raises MetricsError with the fix when it cannot."""
    wanted = os.environ.get(PORT_ENV, "").strip()
    if not wanted:
        return None
    if not wanted.isdigit() or int(wanted) > 65535:
        raise MetricsError(f"{PORT_ENV}={wanted!r}: give a port number (9108, say), or leave it unset")
    try:
        import prometheus_client
    except ModuleNotFoundError:
        raise MetricsError(f"{PORT_ENV} is set but prometheus-client is not installed: run bash scripts/run.sh "
                           "(it installs what is missing), or pip install '.[metrics]'") from None
    addr = os.environ.get(ADDR_ENV, "").strip() or "0.0.0.0"  # all interfaces: a container publishes the port
    try:
        server, _ = prometheus_client.start_http_server(int(wanted), addr=addr)
    except OSError as exc:
        raise MetricsError(f"{PORT_ENV}={wanted}: cannot listen on {addr}:{wanted}: {exc.strerror or exc}") from None
    global METRICS
    if METRICS is None:  # once per process: the registry refuses a second metric of the same name
        METRICS = _Metrics(prometheus_client)
    port = int(server.server_address[1])
    log.info("metrics: http://%s:%d/metrics", addr, port)
    return port


class MetricsError(RuntimeError):
    """The endpoint was asked for and cannot be served; the message names the fix."""
