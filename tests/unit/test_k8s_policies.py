"""The platform rules, object by object, on every rendered overlay: restricted Pod
Security, probes, resources, no secret as an env literal, the worker StatefulSet's
volume and shutdown, the HPA bounded by the partitions, default-deny networking."""

from __future__ import annotations

import re

import pytest

from tests.unit.k8s_render import (
    OVERLAYS,
    config,
    containers,
    of_kind,
    one,
    pod_spec,
    render,
    workloads,
)

SECRET_ENV = re.compile(r"PASSWORD|SECRET|TOKEN|SALT|API_KEY|PRIVATE|CREDENTIAL", re.I)
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def pod_problems(workload: dict) -> list[str]:
    """What breaks the restricted profile or our own rules in one workload."""
    name = f"{workload['kind']}/{workload['metadata']['name']}"
    spec = pod_spec(workload)
    pod_sc = spec.get("securityContext", {})
    problems = []
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag):
            problems.append(f"{name}: {flag}")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{name}: mounts a service account token it does not need")
    if pod_sc.get("runAsUser") == 0 or pod_sc.get("runAsGroup") == 0:
        problems.append(f"{name}: pod runs as root")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for volume in volumes.values():
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"{name}: volume {volume['name']} of type {kinds}")
    claims = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
    for c in containers(spec):
        where = f"{name}/{c['name']}"
        sc = c.get("securityContext", {})
        if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: runAsNonRoot is not true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{where}: runs as root")
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root filesystem is writable")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []) or caps.get("add"):
            problems.append(f"{where}: capabilities not all dropped")
        seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
        if seccomp.get("type") not in {"RuntimeDefault", "Localhost"}:
            problems.append(f"{where}: no RuntimeDefault seccomp profile")
        if c in spec.get("containers", []):
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
        resources = c.get("resources", {})
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(part, {}):
                    problems.append(f"{where}: no {part}.{resource}")
        image = c.get("image", "")
        if image.endswith(":latest") or (":" not in image.split("/")[-1] and "@" not in image):
            problems.append(f"{where}: image {image!r} not pinned to a tag or digest")
        for env in c.get("env", []):
            if SECRET_ENV.search(env["name"]) and "value" in env:
                problems.append(f"{where}: secret {env['name']} as an env literal")
        for mount in c.get("volumeMounts", []):
            volume = volumes.get(mount["name"])
            writable = not mount.get("readOnly", False)
            scratch = mount["name"] in claims or (volume is not None and "emptyDir" in volume)
            if writable and not scratch:
                problems.append(f"{where}: writable mount {mount['mountPath']} of a source")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_meets_the_restricted_profile_and_our_rules(overlay):
    objects = render(overlay)
    assert workloads(objects)
    problems = [p for w in workloads(objects) for p in pod_problems(w)]
    assert problems == []
    namespace = one(objects, "Namespace", "streamapp")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda c, s: c["securityContext"].update(runAsUser=0), "runs as root"),
        (lambda c, s: c.pop("readinessProbe"), "no readinessProbe"),
        (lambda c, s: c["resources"].pop("limits"), "no limits.cpu"),
        (lambda c, s: c["securityContext"].update(readOnlyRootFilesystem=False), "writable"),
        (lambda c, s: c["securityContext"]["capabilities"].update(add=["NET_ADMIN"]), "capab"),
        (
            lambda c, s: c.setdefault("env", []).append(
                {"name": "KAFKA_SASL_PASSWORD", "value": "x"}
            ),
            "env literal",
        ),
        (lambda c, s: s.update(hostNetwork=True), "hostNetwork"),
        (lambda c, s: s["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "hostPath"),
        (lambda c, s: c.update(image="streamapp:latest"), "not pinned"),
    ],
)
def test_the_policy_check_catches_each_breakage(breakage, expected):
    worker = one(render("prod"), "StatefulSet", "streamapp-worker")
    spec = pod_spec(worker)
    breakage(spec["containers"][0], spec)
    assert any(expected in p for p in pod_problems(worker)), pod_problems(worker)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_worker_statefulset_keeps_rocksdb_on_its_own_volume(overlay):
    objects = render(overlay)
    settings = config(objects)
    worker = one(objects, "StatefulSet", "streamapp-worker")
    assert settings["STREAMAPP_STORE"] == "rocksdb://"
    assert int(settings["STREAMAPP_STANDBY_REPLICAS"]) >= 0
    [claim] = worker["spec"]["volumeClaimTemplates"]
    [container] = pod_spec(worker)["containers"]
    assert container["args"] == ["worker"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == settings["STREAMAPP_DATA_DIR"]
    assert mounts["tmp"] == "/tmp"
    assert worker["spec"]["serviceName"] == "streamapp-worker"
    one(objects, "Service", "streamapp-worker")


def test_prod_keeps_standby_replicas_and_replicates_topics():
    settings = config(render("prod"))
    assert int(settings["STREAMAPP_STANDBY_REPLICAS"]) >= 1
    assert int(settings["STREAMAPP_REPLICATION_FACTOR"]) >= 3
    assert settings["KAFKA_SECURITY_PROTOCOL"] in {"SASL_SSL", "SSL"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_worker_probes_hit_readyz_and_healthz_on_the_web_port(overlay):
    objects = render(overlay)
    settings = config(objects)
    [container] = pod_spec(one(objects, "StatefulSet", "streamapp-worker"))["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert settings["STREAMAPP_WEB_HOST"] == "0.0.0.0", "probes come from outside the pod"
    assert ports["web"] == int(settings["STREAMAPP_WEB_PORT"])
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "web"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "web"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_warehouse_sink_runs_as_its_own_worker(overlay):
    objects = render(overlay)
    settings = config(objects)
    sink = one(objects, "Deployment", "streamapp-sink")
    spec = pod_spec(sink)
    [container] = spec["containers"]
    assert container["args"] == ["sink"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "web"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "web"}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts[settings["STREAMAPP_DATA_DIR"]]], "Faust's datadir"
    assert sink["spec"]["replicas"] <= int(settings["STREAMAPP_PARTITIONS"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_grace_outlasts_the_sink_flush(overlay):
    objects = render(overlay)
    flush = float(config(objects).get("STREAMAPP_SINK_FLUSH_SECONDS", 5))
    for workload in workloads(objects):
        grace = pod_spec(workload).get("terminationGracePeriodSeconds", 30)
        assert grace >= flush + 10, f"{workload['metadata']['name']}: {grace}s"
    for name in ("StatefulSet/streamapp-worker", "Deployment/streamapp-sink"):
        kind, _, workload = name.partition("/")
        grace = pod_spec(one(objects, kind, workload))["terminationGracePeriodSeconds"]
        assert grace >= 2 * flush + 30, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_hpa_never_exceeds_the_partition_count(overlay):
    objects = render(overlay)
    partitions = int(config(objects)["STREAMAPP_PARTITIONS"])
    worker = one(objects, "StatefulSet", "streamapp-worker")
    [hpa] = of_kind(objects, "HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("StatefulSet", "streamapp-worker")
    assert hpa["spec"]["minReplicas"] <= worker["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
    assert hpa["spec"]["maxReplicas"] <= partitions


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pdb_and_services_select_the_pods(overlay):
    objects = render(overlay)
    labels = {
        w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"]
        for w in workloads(objects)
    }

    def selects(selector: dict) -> list[str]:
        return [n for n, lab in labels.items() if selector.items() <= lab.items()]

    pdbs = of_kind(objects, "PodDisruptionBudget")
    protected = {n for p in pdbs for n in selects(p["spec"]["selector"]["matchLabels"])}
    assert {"streamapp-worker", "streamapp-sink"} <= protected
    for service in of_kind(objects, "Service"):
        assert selects(service["spec"]["selector"]), service["metadata"]["name"]
    dashboard = one(objects, "Service", "streamapp-dashboard")
    assert dashboard["spec"]["ports"][0]["port"] == 5006
    [container] = pod_spec(one(objects, "Deployment", "streamapp-dashboard"))["containers"]
    assert container["args"] == ["dashboard"]
    assert {p["name"]: p["containerPort"] for p in container["ports"]}["http"] == 5006
    assert config(objects)["STREAMAPP_DASHBOARD_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_collectors_are_never_duplicated(overlay):
    # They run on a leader-only timer inside the workers; a separate collector workload
    # would need to be a singleton.
    for workload in workloads(render(overlay)):
        for c in pod_spec(workload)["containers"]:
            if "collect" in c.get("args", []):
                assert workload["kind"] != "StatefulSet" or workload["spec"]["replicas"] == 1
                assert workload["spec"].get("replicas", 1) == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configmaps_and_secrets_referenced_exist_or_are_external(overlay):
    objects = render(overlay)
    maps = {o["metadata"]["name"] for o in of_kind(objects, "ConfigMap")}
    for workload in workloads(objects):
        for c in pod_spec(workload)["containers"]:
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in maps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] == "streamapp-secrets"


def _allows(policy: dict, direction: str, port: int, protocol: str = "TCP") -> bool:
    rules = policy["spec"].get(direction, [])
    return any(
        any(
            p.get("port") == port and p.get("protocol", "TCP") == protocol
            for p in r.get("ports", [])
        )
        for r in rules
    )


def _applies_to(policy: dict, labels: dict) -> bool:
    selector = policy["spec"]["podSelector"]
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", "only In is understood here"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_is_default_deny_with_only_the_needed_paths(overlay):
    objects = render(overlay)
    policies = of_kind(objects, "NetworkPolicy")
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "no default-deny policy"
    worker = {"app.kubernetes.io/name": "streamapp", "app.kubernetes.io/component": "worker"}
    dashboard = {**worker, "app.kubernetes.io/component": "dashboard"}
    sink = {**worker, "app.kubernetes.io/component": "sink"}
    kafka_ports = {
        int(h.rsplit(":", 1)[1]) for h in config(objects)["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    }

    def allowed(labels: dict, direction: str, port: int, protocol: str = "TCP") -> bool:
        return any(
            _applies_to(p, labels) and _allows(p, direction, port, protocol) for p in policies
        )

    for labels in (worker, sink, dashboard):
        assert allowed(labels, "egress", 53, "UDP") and allowed(labels, "egress", 53, "TCP")
        for port in kafka_ports:
            assert allowed(labels, "egress", port), f"Kafka port {port} blocked"
    assert allowed(worker, "egress", 443), "Reddit and Google need HTTPS"
    assert allowed(sink, "egress", 443), "Snowflake needs HTTPS"
    assert not allowed(dashboard, "egress", 443), "the dashboard reads Kafka only"
    assert allowed(dashboard, "ingress", 5006)
    assert allowed(worker, "ingress", 6066), "Prometheus scrapes /metrics"
    assert allowed(worker, "egress", 6066), "a worker forwards /recommendations to the owner"
    assert not allowed(dashboard, "egress", 6066)
    assert allowed(sink, "ingress", 6066)
    assert not allowed(worker, "ingress", 5006)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize(
    ("kind", "name", "role"),
    [("StatefulSet", "streamapp-worker", "worker"), ("Deployment", "streamapp-sink", "sink")],
)
def test_topics_are_made_before_the_worker_and_sink_start(overlay, kind, name, role):
    from streamapp.cli import build_parser

    spec = pod_spec(one(render(overlay), kind, name))
    [init] = spec["initContainers"]
    [main] = spec["containers"]
    assert init["args"] == ["topics", "create", "--for", role]
    args = build_parser().parse_args(init["args"])  # a command the image really has
    assert (args.command, args.topics_command, args.role) == ("topics", "create", role)
    # The same cluster, credentials and certificates as the container it prepares.
    assert init["image"] == main["image"]
    assert init["envFrom"] == main["envFrom"]
    tls = {m["name"]: m for m in main["volumeMounts"]}["kafka-tls"]
    assert tls in init["volumeMounts"]
