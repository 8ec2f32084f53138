"""Policy checks of rendered Kubernetes objects (Python standard library only).

`problems(objects)` returns one line per rule an object set breaks; an empty
list means it passes. The rules are those docs/deploy.md promises for every
overlay: restricted Pod Security for every container and init container,
probes, resource requests and limits, no Secret in the manifests, a
PodDisruptionBudget and a NetworkPolicy for every Deployment and
StatefulSet, topology spread for every Deployment, default-deny networking,
a grace period that covers the drain. `committed_secrets(folder)` finds
Secret manifests and Secret generators in a manifest tree.
"""

import os
import re

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
KUMO_IMAGE = re.compile(r"^kumo/(gateway|scanner|queue|downloader|progress):"
                        r"(?!latest$)[A-Za-z0-9_.-]+$")
# Egress to these must never be open to a pod that reaches the internet.
PRIVATE_V4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
              "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10")
PRIVATE_V6 = ("fc00::/7", "fe80::/10", "::1/128")
DRAIN_MARGIN_S = 5


def name_of(obj):
    return "%s/%s" % (obj.get("kind"), obj.get("metadata", {}).get("name"))


def pod_spec(obj):
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj.get("spec", {}).get("template", {}).get("spec")


def pod_labels(obj):
    return obj.get("spec", {}).get("template", {}).get("metadata", {}).get(
        "labels", {})


def selects(selector, labels):
    """True when a label selector (matchLabels only) selects `labels`."""
    if not selector or selector.get("matchExpressions"):
        return False
    wanted = selector.get("matchLabels", {})
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", str(text).strip())
    if not m:
        return None
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 0.001}[m.group(2)]
    return int(m.group(1)) * factor


def container_env(obj, container, configmaps):
    """The literal environment of a container: its ConfigMaps, then env."""
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref and ref.get("name") in configmaps:
            env.update(configmaps[ref["name"]].get("data", {}))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
    return env


def check_container(where, c, pod_sc, is_init, out):
    sc = c.get("securityContext") or {}
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append("%s: allowPrivilegeEscalation is not false" % where)
    if sc.get("privileged"):
        out.append("%s: privileged" % where)
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        out.append("%s: capabilities do not drop ALL" % where)
    if caps.get("add"):
        out.append("%s: adds capabilities %s" % (where, caps["add"]))
    if sc.get("readOnlyRootFilesystem") is not True:
        out.append("%s: root filesystem is not read-only" % where)
    if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
        out.append("%s: runAsNonRoot is not set" % where)
    for key in ("runAsUser", "runAsGroup"):
        value = sc.get(key, pod_sc.get(key))
        if not isinstance(value, int) or value <= 0:
            out.append("%s: %s is not a non-root id" % (where, key))
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {})
    if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
        out.append("%s: seccomp profile is not RuntimeDefault" % where)
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                out.append("%s: no %s %s" % (where, r, kind.rstrip("s")))
    if not is_init:
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if not c.get(probe):
                out.append("%s: no %s" % (where, probe))


def http_probe(c, probe):
    get = (c.get(probe) or {}).get("httpGet") or {}
    return get.get("path"), get.get("port")


def check_kumo_container(where, c, env, out):
    """A Kumo service: image by name and tag, probes on its admin port."""
    if not KUMO_IMAGE.match(c.get("image", "")):
        out.append("%s: image %r is not kumo/<service>:<tag>" % (
            where, c.get("image")))
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    admin = env.get("KUMO_ADMIN_PORT")
    if admin is None or ports.get("admin") != int(admin):
        out.append("%s: port 'admin' does not match KUMO_ADMIN_PORT=%s" % (
            where, admin))
    if env.get("KUMO_ADMIN_BIND") not in ("0.0.0.0", "::"):
        out.append("%s: admin endpoint not bound to the pod address" % where)
    for probe, path in (("startupProbe", "/livez"), ("livenessProbe", "/livez"),
                        ("readinessProbe", "/readyz")):
        if http_probe(c, probe) != (path, "admin"):
            out.append("%s: %s is not GET %s on port admin" % (where, probe, path))
    mounts = {m.get("mountPath") for m in c.get("volumeMounts", [])}
    if "/tmp" not in mounts:
        out.append("%s: no writable /tmp" % where)


def check_grace(obj, spec, env_of, out):
    """terminationGracePeriodSeconds of a Kumo pod covers preStop + drain +
    a margin."""
    for c in spec.get("containers", []):
        if not c.get("image", "").startswith("kumo/"):
            continue
        grace = duration_seconds(env_of(c).get("KUMO_SHUTDOWN_GRACE", "20s"))
        if grace is None:
            continue
        pause = (((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep")
                 or {}).get("seconds", 0)
        need = grace + pause + DRAIN_MARGIN_S
        have = spec.get("terminationGracePeriodSeconds", 30)
        if have < need:
            out.append("%s: terminationGracePeriodSeconds %s < %s (drain %ss + "
                       "preStop %ss + %ss)" % (name_of(obj), have, need, grace,
                                              pause, DRAIN_MARGIN_S))


def check_workload(obj, configmaps, accounts, out):
    spec = pod_spec(obj)
    if spec is None:
        out.append("%s: no pod template" % name_of(obj))
        return
    pod_sc = spec.get("securityContext") or {}
    if spec.get("automountServiceAccountToken") is not False:
        out.append("%s: service account token is mounted" % name_of(obj))
    account = spec.get("serviceAccountName")
    if account and account not in accounts:
        out.append("%s: service account %s missing" % (name_of(obj), account))
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            out.append("%s: %s" % (name_of(obj), key))
    for v in spec.get("volumes", []):
        if "hostPath" in v:
            out.append("%s: hostPath volume %s" % (name_of(obj), v.get("name")))
    for is_init, key in ((True, "initContainers"), (False, "containers")):
        for c in spec.get(key, []):
            where = "%s container %s" % (name_of(obj), c.get("name"))
            check_container(where, c, pod_sc, is_init, out)
            if c.get("image", "").startswith("kumo/"):
                check_kumo_container(where, c,
                                     container_env(obj, c, configmaps), out)
    check_grace(obj, spec, lambda c: container_env(obj, c, configmaps), out)


def secret_refs(objects):
    """Names of the Secrets the objects reference."""
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for key in ("secretKeyRef", "secretRef"):
                if isinstance(node.get(key), dict) and node[key].get("name"):
                    names.add(node[key]["name"])
            if isinstance(node.get("secret"), dict):
                names.add(node["secret"].get("secretName"))
            for key in ("secretTargetRef",):
                for ref in node.get(key) or []:
                    names.add(ref.get("name"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(objects)
    names.discard(None)
    return names


def check_network(objects, out):
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    deny = [p for p in policies if p["spec"].get("podSelector") in ({}, None)
            and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    if not deny:
        out.append("no default-deny NetworkPolicy (all pods, ingress and egress)")
    for p in policies:
        for rule in p["spec"].get("egress") or []:
            if not rule.get("to") or not rule.get("ports"):
                out.append("%s: an egress rule open to every address or port"
                           % name_of(p))
            for peer in rule.get("to") or []:
                block = peer.get("ipBlock") or {}
                cidr, except_ = block.get("cidr"), set(block.get("except") or [])
                wide = {"0.0.0.0/0": PRIVATE_V4, "::/0": PRIVATE_V6}.get(cidr)
                if wide and not set(wide) <= except_:
                    out.append("%s: %s does not exclude %s" % (
                        name_of(p), cidr, sorted(set(wide) - except_)))
                if wide and {pt.get("port") for pt in rule["ports"]} - {80, 443}:
                    out.append("%s: %s open beyond ports 80/443" % (name_of(p), cidr))


def check_workload_peers(d, objects, out):
    labels = pod_labels(d)
    if not selects(d["spec"].get("selector"), labels):
        out.append("%s: selector does not select its pods" % name_of(d))
    pdbs = [o for o in objects if o.get("kind") == "PodDisruptionBudget"
            and selects(o["spec"].get("selector"), labels)]
    if not pdbs:
        out.append("%s: no PodDisruptionBudget" % name_of(d))
    own = [o for o in objects if o.get("kind") == "NetworkPolicy"
           and selects(o["spec"].get("podSelector"), labels)
           and labels.get("app.kubernetes.io/name")
           == o["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/name")]
    if not own:
        out.append("%s: no NetworkPolicy of its own" % name_of(d))
    spread = pod_spec(d).get("topologySpreadConstraints") or []
    if d.get("kind") == "Deployment" and not any(selects(t.get("labelSelector"), labels) for t in spread):
        out.append("%s: no topology spread constraint" % name_of(d))


def problems(objects):
    out = []
    configmaps = {o["metadata"]["name"]: o for o in objects
                  if o.get("kind") == "ConfigMap"}
    accounts = {o["metadata"]["name"] for o in objects
                if o.get("kind") == "ServiceAccount"}
    for o in objects:
        kind = o.get("kind")
        if kind == "Secret":
            out.append("%s: a Secret in the manifests" % name_of(o))
        if kind == "ServiceAccount" and o.get("automountServiceAccountToken") is not False:
            out.append("%s: token automount not disabled" % name_of(o))
        if kind == "Namespace":
            labels = o["metadata"].get("labels", {})
            if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
                out.append("%s: Pod Security 'restricted' not enforced" % name_of(o))
        if kind in WORKLOADS or kind == "CronJob":
            check_workload(o, configmaps, accounts, out)
        if kind in ("Deployment", "StatefulSet"):
            check_workload_peers(o, objects, out)
    check_network(objects, out)
    return out


def committed_secrets(folder):
    """Files under `folder` that hold a Secret or generate one."""
    found = []
    pattern = re.compile(r"^\s*(kind:\s*Secret\s*$|secretGenerator:)", re.M)
    for top, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(top, name)
            with open(path, errors="replace") as f:
                if pattern.search(f.read()):
                    found.append(os.path.relpath(path, folder))
    return sorted(found)
