"""Where `streamapp notify` runs: a child of `streamapp up` once a destination is set, and
its own Deployment on Kubernetes (probes on its health port, egress to its destinations)."""

from __future__ import annotations

import pytest

from streamapp.config import NotifySettings, Settings
from streamapp.local.options import UpOptions
from streamapp.local.supervisor import Supervisor
from tests.unit.k8s_render import OVERLAYS, config, of_kind, one, pod_spec, render


def _children(settings: Settings) -> dict[str, list[str]]:
    options = UpOptions(warehouse=False, dashboard=False, simulator=False)
    return {c.name: c.argv for c in Supervisor(options, settings)._plan("127.0.0.1:9")}


def test_up_starts_notify_only_with_a_destination():
    assert "notify" not in _children(Settings(notify=NotifySettings(_env_file=None)))
    configured = Settings(notify=NotifySettings(_env_file=None, smtp_host="mail.example"))
    assert _children(configured)["notify"][-1] == "notify"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_notify_runs_as_its_own_deployment(overlay):
    from streamapp.cli import build_parser

    objects = render(overlay)
    notify = one(objects, "Deployment", "streamapp-notify")
    # Off until a destination is configured (without one it exits 2); never two.
    assert notify["spec"]["replicas"] == 0
    [container] = pod_spec(notify)["containers"]
    assert build_parser().parse_args(container["args"]).command == "notify"
    env = {e["name"]: e["value"] for e in container["env"]}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["health"] == int(env["STREAMAPP_NOTIFY_HEALTH_PORT"])
    assert env["STREAMAPP_NOTIFY_HEALTH_HOST"] == "0.0.0.0"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert not any(k.startswith("STREAMAPP_NOTIFY_") for k in config(objects)), "secrets only"
    labels = notify["spec"]["template"]["metadata"]["labels"]
    assert {443, 9093, 587, 9092, 53} <= _ports(objects, labels, "egress")
    assert _ports(objects, labels, "ingress") == {ports["health"]}, "only Prometheus"
    annotations = notify["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(ports["health"])


def _ports(objects: list, labels: dict, direction: str) -> set[int]:
    """The ports the policies selecting these pod labels (by matchLabels) allow."""
    return {
        port["port"]
        for policy in of_kind(objects, "NetworkPolicy")
        if policy["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items()
        and not policy["spec"]["podSelector"].get("matchExpressions")
        for rule in policy["spec"].get(direction, [])
        for port in rule.get("ports", [])
    }
