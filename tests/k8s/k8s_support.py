"""Helpers of tests/test_k8s_manifests.py: rendering with kubectl, the
schema validator (Node.js, npm packages pinned by package-lock.json) and
look-ups in rendered objects."""

import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

from npm_cache import npm_installed  # noqa: E402

SCRIPTS = ("validate.mjs", "strict.mjs")


def validator():
    """Folder holding validate.mjs and its node_modules (npm_installed: the
    packages of package-lock.json, installed when missing)."""
    return npm_installed(HERE, "k8s-validate", SCRIPTS)


def render(folder):
    """The YAML `kubectl kustomize` renders from `folder`."""
    out = subprocess.run(["kubectl", "kustomize", folder], capture_output=True,
                         stdin=subprocess.DEVNULL, timeout=120)
    if out.returncode != 0:
        raise AssertionError("kubectl kustomize %s failed:\n%s" % (
            folder, out.stderr.decode(errors="replace")))
    return out.stdout.decode()


def validate(node_dir, yaml_text):
    """(exit code, objects, error text) of validate.mjs on `yaml_text`."""
    out = subprocess.run(["node", os.path.join(node_dir, "validate.mjs")],
                         input=yaml_text.encode(), capture_output=True,
                         timeout=120)
    objects = json.loads(out.stdout) if out.returncode == 0 else []
    return out.returncode, objects, out.stderr.decode(errors="replace")


def with_prod_component(k8s_dir, tmp, component):
    """A copy of k8s/ in `tmp` whose prod overlay uses `component` instead
    of autoscale-keda, as docs/deploy.md tells; returns the overlay folder."""
    copy = os.path.join(tmp, "k8s-" + component)
    shutil.copytree(k8s_dir, copy)
    path = os.path.join(copy, "overlays", "prod", "kustomization.yaml")
    with open(path) as f:
        text = f.read()
    swapped = text.replace("../../components/autoscale-keda",
                           "../../components/" + component)
    if swapped == text:
        raise AssertionError("prod overlay does not name autoscale-keda")
    with open(path, "w") as f:
        f.write(swapped)
    return os.path.dirname(path)


def by_kind(objects, kind):
    return [o for o in objects if o.get("kind") == kind]


def by_name(objects, kind, name):
    for o in by_kind(objects, kind):
        if o["metadata"]["name"] == name:
            return o
    raise KeyError("%s/%s" % (kind, name))


def env_of(objects, deployment, container=0):
    """Literal environment (ConfigMaps, then env) of a container."""
    configmaps = {o["metadata"]["name"]: o for o in by_kind(objects, "ConfigMap")}
    spec = by_name(objects, "Deployment", deployment)["spec"]["template"]["spec"]
    c = spec["containers"][container]
    env = {}
    for source in c.get("envFrom", []):
        ref = source.get("configMapRef") or {}
        env.update(configmaps.get(ref.get("name"), {}).get("data", {}))
    for item in c.get("env", []):
        env[item["name"]] = item.get("value", item.get("valueFrom"))
    return env
