"""Every overlay renders offline and every object is valid against the Kubernetes schemas
(kubernetes-validate, strict: unknown fields fail too). Secrets stay out of git."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from tests.unit.k8s_render import K8S, OVERLAYS, of_kind, render

# The newest schemas bundled with kubernetes-validate, and the kubectl these machines use.
VERSIONS = sorted({kubernetes_validate.latest_version(), "1.32.0"})


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_validates_against_the_schemas(overlay, version):
    objects = render(overlay)
    assert len(objects) >= 12
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            name = f"{obj['kind']}/{obj['metadata']['name']}"
            pytest.fail(f"{overlay}: {name} is invalid for Kubernetes {version}: {exc.message}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlay_has_every_part(overlay):
    kinds = {(o["kind"], o["metadata"]["name"].split("-")[0]) for o in render(overlay)}
    for kind in (
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "StatefulSet",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
    ):
        assert any(k == kind for k, _ in kinds), f"{overlay} has no {kind}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_streamapp_namespace(overlay):
    for obj in render(overlay):
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "streamapp", obj["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_rendered_from_git(overlay):
    assert of_kind(render(overlay), "Secret") == []


def test_the_secret_example_is_valid_but_never_a_resource():
    example = yaml.safe_load((K8S / "base" / "secret.example.yaml").read_text())
    kubernetes_validate.validate(example, kubernetes_validate.latest_version(), strict=True)
    assert example["kind"] == "Secret"
    assert all(v.startswith("<") for v in example["stringData"].values()), "placeholders only"
    for kustomization in K8S.rglob("kustomization.yaml"):
        data = yaml.safe_load(kustomization.read_text())
        assert not data.get("secretGenerator"), f"{kustomization}: secrets come from outside git"
        assert "secret.example.yaml" not in data.get("resources", [])
