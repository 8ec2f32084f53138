"""The Kubernetes manifests in k8s/ render, validate and follow the policy.

`kubectl kustomize` renders the dev overlay, the prod overlay (downloaders
scaled by KEDA) and prod with the HPA component instead. Every rendered
object must pass the Kubernetes and KEDA schemas (tests/k8s/validate.mjs,
npm packages from tests/k8s/package-lock.json, installed with `npm ci` into
a cache folder outside the repository when missing) and the policy of
tests/k8s/policy.py. Broken objects fed to both prove they can fail. The
KEDA query runs against the queue's real schema in a private PostgreSQL,
as the read-only role docs/deploy.md tells how to create.

Without kubectl the test prints why and exits 0; nothing else skips it.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("KUMO_SOURCE_DIR", os.path.dirname(HERE))
K8S_DIR = os.path.join(SOURCE_DIR, "k8s")
HELPER_DIR = os.path.join(HERE, "k8s")
DEPLOY_DOC = os.path.join(SOURCE_DIR, "docs", "deploy.md")
SERVICES = ("gateway", "scanner", "queue", "downloader", "progress")
sys.path.insert(0, HELPER_DIR)
sys.path.insert(1, os.path.join(HERE, "harness"))
import policy  # noqa: E402  (tests/k8s/policy.py)

from k8s_support import (by_kind, by_name, env_of, render, validator,  # noqa: E402
                         validate, with_prod_component)


class Manifests(unittest.TestCase):
    renders = {}

    @classmethod
    def setUpClass(cls):
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                raise AssertionError("%s not found: scripts/lib/deps.sh installs "
                                     "nodejs and npm" % tool)
        version = subprocess.run(["kubectl", "version", "--client"],
                                 capture_output=True, timeout=60).stdout.decode()
        print("  " + " / ".join(version.split("\n")[:2]))
        cls.node_dir = validator()
        with tempfile.TemporaryDirectory() as tmp:
            variants = {"dev": os.path.join(K8S_DIR, "overlays", "dev"),
                        "prod": os.path.join(K8S_DIR, "overlays", "prod"),
                        "prod-hpa": with_prod_component(K8S_DIR, tmp, "autoscale-hpa")}
            for name, folder in variants.items():
                code, objects, errors = validate(cls.node_dir, render(folder))
                if code != 0:
                    raise AssertionError("%s does not validate:\n%s" % (name, errors))
                cls.renders[name] = objects

    def test_overlays_render_and_validate(self):
        for name, objects in self.renders.items():
            kinds = {}
            for o in objects:
                kinds[o["kind"]] = kinds.get(o["kind"], 0) + 1
            self.assertEqual(kinds.get("Deployment"), 5, name)
            print("  %s: %d objects valid (%s)" % (name, len(objects), ", ".join(
                "%d %s" % (n, k) for k, n in sorted(kinds.items()))))

    def test_policy_holds_for_every_overlay(self):
        for name, objects in self.renders.items():
            self.assertEqual(policy.problems(objects), [], name)

    def test_validator_rejects_broken_objects(self):
        # Tried: a string replica count, a ScaledObject without target or
        # triggers, a Service port out of type, a kind without a schema,
        # misspelt fields (which the schemas alone would accept).
        broken = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  replicas: two
  selector: {matchLabels: {a: b}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x}]}}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: broken}
spec: {minReplicaCount: 0}
---
apiVersion: v1
kind: Service
metadata: {name: broken}
spec: {ports: [{port: http}]}
---
apiVersion: example.com/v1
kind: Unknown
metadata: {name: broken}
---
apiVersion: v1
kind: Pod
metadata: {name: misspelt}
spec:
  containers:
    - name: x
      image: kumo/queue:1
      readinesProbe: {httpGet: {path: /readyz, port: 9100}}
      securityContext: {readOnlyRootFileSystem: true}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: misspelt}
spec: {podSelecter: {}, policyTypes: [Egress]}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: misspelt}
spec:
  scaleTargetRef: {name: downloader}
  minReplicas: 0
  triggers: [{type: postgresql, metadata: {query: x}}]
"""
        code, _, errors = validate(self.node_dir, broken)
        self.assertEqual(code, 1, errors)
        for expected in ("Deployment/broken: /spec/replicas must be integer",
                         "ScaledObject/broken: /spec must have required property "
                         "scaleTargetRef",
                         "ScaledObject/broken: /spec must have required property "
                         "triggers",
                         "Service/broken: /spec/ports/0/port must be integer",
                         "Unknown/broken: no schema for example.com/v1 Unknown",
                         "Pod/misspelt: /spec/containers/0/readinesProbe is not a field",
                         "Pod/misspelt: /spec/containers/0/securityContext/"
                         "readOnlyRootFileSystem is not a field",
                         "NetworkPolicy/misspelt: /spec/podSelecter is not a field",
                         "ScaledObject/misspelt: /spec/minReplicas is not a field"):
            self.assertIn(expected, errors)
        # The same objects, repaired, pass: the failure was theirs.
        repaired = broken.replace("replicas: two", "replicas: 2")
        self.assertEqual(validate(self.node_dir, repaired.split("---")[0])[0], 0)

    def test_policy_rejects_broken_objects(self):
        def broken(change, *expected):
            objects = copy.deepcopy(self.renders["dev"])
            change(objects)
            found = policy.problems(objects)
            for text in expected:
                self.assertTrue(any(text in p for p in found),
                                "%r not reported; got %s" % (text, found))

        def container(objects, deployment):
            return by_name(objects, "Deployment", deployment)["spec"]["template"][
                "spec"]["containers"][0]

        def pod(objects, deployment):
            return by_name(objects, "Deployment", deployment)["spec"]["template"]["spec"]

        def drop(kind, name):
            return lambda objs: objs.remove(by_name(objs, kind, name))

        broken(lambda o: container(o, "gateway")["securityContext"].pop(
            "readOnlyRootFilesystem"), "container gateway: root filesystem")
        broken(lambda o: container(o, "queue")["securityContext"].update(
            allowPrivilegeEscalation=True), "allowPrivilegeEscalation")
        broken(lambda o: container(o, "queue")["securityContext"]["capabilities"]
               .update(drop=["NET_RAW"], add=["NET_ADMIN"]),
               "do not drop ALL", "adds capabilities")
        broken(lambda o: pod(o, "scanner")["securityContext"].update(runAsUser=0),
               "Deployment/scanner container scanner: runAsUser")
        broken(lambda o: pod(o, "progress").setdefault("initContainers", []).append(
            {"name": "setup", "image": "busybox:1.36"}),
            "container setup: allowPrivilegeEscalation", "container setup: no cpu")
        broken(lambda o: container(o, "downloader").pop("readinessProbe"),
               "container downloader: no readinessProbe")
        broken(lambda o: container(o, "downloader")["startupProbe"]["httpGet"]
               .update(path="/metrics"), "startupProbe is not GET /livez")
        broken(lambda o: container(o, "gateway")["resources"].pop("limits"),
               "no memory limit")
        broken(lambda o: container(o, "gateway").update(image="kumo/gateway:latest"),
               "is not kumo/<service>:<tag>")
        broken(lambda o: pod(o, "gateway").update(terminationGracePeriodSeconds=20),
               "terminationGracePeriodSeconds 20 < 30")
        broken(lambda o: pod(o, "queue").update(automountServiceAccountToken=True),
               "Deployment/queue: service account token is mounted")
        broken(lambda o: o.append({"apiVersion": "v1", "kind": "Secret",
                                   "metadata": {"name": "leak"}, "data": {}}),
               "Secret/leak: a Secret in the manifests")
        broken(drop("PodDisruptionBudget", "queue"),
               "Deployment/queue: no PodDisruptionBudget")
        broken(drop("NetworkPolicy", "progress"),
               "Deployment/progress: no NetworkPolicy of its own")
        broken(drop("NetworkPolicy", "default-deny"), "no default-deny")
        broken(lambda o: by_name(o, "NetworkPolicy", "internet-clients-egress")[
            "spec"]["egress"][0]["to"][0]["ipBlock"].pop("except"),
            "0.0.0.0/0 does not exclude")
        broken(lambda o: by_name(o, "NetworkPolicy", "dns-egress")["spec"][
            "egress"][0].pop("to"), "open to every address")
        broken(lambda o: by_name(o, "Namespace", "kumo-dev")["metadata"][
            "labels"].pop("pod-security.kubernetes.io/enforce"), "not enforced")

    def test_secrets_documented_referenced_and_not_committed(self):
        with open(DEPLOY_DOC) as f:
            doc = f.read()
        documented = set(re.findall(r"^\| `(kumo-[a-z-]+)` \|", doc, re.M))
        self.assertTrue(documented, "no Secrets table in docs/deploy.md")
        referenced = set()
        for name, objects in self.renders.items():
            refs = policy.secret_refs(objects)
            self.assertEqual(sorted(refs - documented), [],
                             "%s references undocumented Secrets" % name)
            referenced |= refs
        self.assertEqual(sorted(documented - referenced), [],
                         "documented Secrets no manifest uses")
        self.assertIn('k="kubectl -n kumo-dev create secret generic"', doc)
        for secret in documented:
            self.assertRegex(doc, r"\n\$k %s --from-file=" % secret,
                             "docs/deploy.md does not show how to create " + secret)
        self.assertEqual(policy.committed_secrets(K8S_DIR), [])
        # A Secret file or generator added to a copy of the tree is found.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(K8S_DIR, os.path.join(tmp, "k8s"))
            with open(os.path.join(tmp, "k8s", "base", "leak.yaml"), "w") as f:
                f.write("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n")
            with open(os.path.join(tmp, "k8s", "overlays", "dev",
                                   "kustomization.yaml"), "a") as f:
                f.write("secretGenerator:\n  - name: y\n    literals: [a=b]\n")
            self.assertEqual(policy.committed_secrets(os.path.join(tmp, "k8s")),
                             ["base/leak.yaml", "overlays/dev/kustomization.yaml"])
        print("  %d Secrets documented and referenced, none committed: %s" % (
            len(documented), ", ".join(sorted(documented))))

    def test_prod_reaches_external_servers_over_verified_tls(self):
        objects = self.renders["prod"]
        for name in ("gateway", "queue"):
            self.assertGreaterEqual(
                by_name(objects, "Deployment", name)["spec"]["replicas"], 2, name)
        self.assertEqual(by_kind(objects, "StatefulSet"), [],
                         "prod runs no NATS or PostgreSQL of its own")
        for d in by_kind(objects, "Deployment"):
            name = d["metadata"]["name"]
            env = env_of(objects, name)
            self.assertTrue(env["KUMO_NATS_URL"].startswith("tls://"), name)
            self.assertEqual(env["PGSSLMODE"], "verify-full", name)
            spec = d["spec"]["template"]["spec"]
            mounts = {m["mountPath"]: m for m in spec["containers"][0]["volumeMounts"]}
            for key in ("PGSSLROOTCERT", "SSL_CERT_FILE"):
                folder = os.path.dirname(env[key])
                self.assertIn(folder, mounts, "%s: %s not mounted" % (name, key))
                self.assertTrue(mounts[folder].get("readOnly"), name)
                volume = next(v for v in spec["volumes"]
                              if v["name"] == mounts[folder]["name"])
                self.assertEqual(volume["secret"]["secretName"], "kumo-ca", name)
        for policy_name, port in (("nats-clients-egress", 4222),
                                  ("database-clients-egress", 5432)):
            rule, = by_name(objects, "NetworkPolicy", policy_name)["spec"]["egress"]
            self.assertEqual([p["port"] for p in rule["ports"]], [port])
            self.assertTrue(all("ipBlock" in peer for peer in rule["to"]))
        pvc = by_name(objects, "PersistentVolumeClaim", "kumo-library")
        self.assertEqual(pvc["spec"]["accessModes"], ["ReadWriteMany"])

    def test_library_volume_is_shared_by_downloaders_and_scanner(self):
        objects = self.renders["prod"]
        # The scanner removes files too: series deleted with their files,
        # retention and eviction.
        for name, read_only in (("downloader", False), ("scanner", False)):
            spec = by_name(objects, "Deployment", name)["spec"]["template"]["spec"]
            volume = next(v for v in spec["volumes"] if "persistentVolumeClaim" in v)
            self.assertEqual(volume["persistentVolumeClaim"]["claimName"], "kumo-library")
            mount = next(m for m in spec["containers"][0]["volumeMounts"]
                         if m["name"] == volume["name"])
            self.assertEqual(bool(mount.get("readOnly")), read_only, name)
        self.assertEqual(env_of(objects, "downloader")["KUMO_LIBRARY_ROOT"], "/library")

    def test_dev_runs_nats_and_postgresql_with_volumes_and_users(self):
        objects = self.renders["dev"]
        for name in ("nats", "postgresql"):
            sts = by_name(objects, "StatefulSet", name)
            self.assertTrue(sts["spec"]["volumeClaimTemplates"], name)
        conf = by_name(objects, "ConfigMap", "nats-config")["data"]["nats.conf.template"]
        self.assertRegex(conf, r"jetstream \{\s*store_dir: /data/")
        users = dict(re.findall(r'\{ user: (\w+), password: "@(\w+)@"', conf))
        self.assertEqual(sorted(users), sorted(SERVICES))
        self.assertTrue(all(k == v for k, v in users.items()))
        init = by_name(objects, "StatefulSet", "nats")["spec"]["template"]["spec"][
            "initContainers"][0]
        refs = {e["valueFrom"]["secretKeyRef"]["key"] for e in init["env"]
                if e["valueFrom"]["secretKeyRef"]["name"] == "kumo-nats-users"}
        self.assertEqual(sorted(refs), sorted(SERVICES))
        for name in SERVICES:
            env = by_name(objects, "Deployment", name)["spec"]["template"]["spec"][
                "containers"][0]["env"]
            ref = next(e for e in env if e["name"] == "KUMO_NATS_PASSWORD")
            self.assertEqual(ref["valueFrom"]["secretKeyRef"],
                             {"name": "kumo-nats-users", "key": name})
            self.assertIn({"name": "KUMO_NATS_USER", "value": name}, env)
        table = os.path.join(SOURCE_DIR, "deploy", "nats", "permissions.json")
        if not os.path.exists(table):
            print("  deploy/nats/permissions.json absent: permissions not compared")
            return
        with open(table) as f:
            wanted = json.load(f)["users"]
        for user in SERVICES:
            block = re.search(r"user: %s,.*?publish: \{ allow: (\[.*?\]) \},\s*"
                              r"subscribe: \{ allow: (\[.*?\]) \}" % user, conf, re.S)
            self.assertIsNotNone(block, user)
            self.assertEqual(json.loads(block.group(1)), wanted[user]["publish"], user)
            self.assertEqual(json.loads(block.group(2)), wanted[user]["subscribe"], user)
        print("  dev NATS permissions agree with deploy/nats/permissions.json")

    def test_downloaders_autoscale_on_queue_depth(self):
        prod, hpa_variant = self.renders["prod"], self.renders["prod-hpa"]
        jobs = env_of(prod, "downloader")["KUMO_JOBS"]
        so = by_name(prod, "ScaledObject", "downloader")["spec"]
        self.assertEqual(so["scaleTargetRef"]["name"], "downloader")
        self.assertEqual(so["minReplicaCount"], 0)
        trigger, = so["triggers"]
        self.assertEqual(trigger["type"], "postgresql")
        self.assertEqual(trigger["metadata"]["targetQueryValue"], jobs)
        auth = by_name(prod, "TriggerAuthentication",
                       trigger["authenticationRef"]["name"])
        self.assertEqual(auth["spec"]["secretTargetRef"][0]["parameter"], "connection")
        hpa = by_name(hpa_variant, "HorizontalPodAutoscaler", "downloader")
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        metric, = hpa["spec"]["metrics"]
        self.assertEqual(metric["external"]["target"]["averageValue"], jobs)
        self.assertEqual(by_kind(hpa_variant, "ScaledObject"), [])
        for objects in (prod, hpa_variant):
            self.assertNotIn("replicas",
                             by_name(objects, "Deployment", "downloader")["spec"])
        with open(DEPLOY_DOC) as f:
            doc = f.read()
        self.assertIn("as: %s" % metric["external"]["metric"]["name"], doc,
                      "the prometheus-adapter rule is not documented")
        queue_dir = os.path.join(SOURCE_DIR, "services", "queue")
        declared = False
        for name in os.listdir(queue_dir):
            if name.endswith(".cpp"):
                with open(os.path.join(queue_dir, name)) as f:
                    declared = declared or '"kumo_queue_items"' in f.read()
        self.assertTrue(declared, "the queue declares no gauge kumo_queue_items")

    def test_keda_query_counts_the_downloaders_work(self):
        from kumo_harness import Stack
        query = by_name(self.renders["prod"], "ScaledObject", "downloader")[
            "spec"]["triggers"][0]["metadata"]["query"]
        with open(os.path.join(SOURCE_DIR, "services", "queue", "sql",
                               "001_queue.sql")) as f:
            schema = f.read()
        with open(DEPLOY_DOC) as f:
            grants = re.findall(r"^GRANT [^;]*;", f.read(), re.M)
        self.assertTrue(grants, "docs/deploy.md shows no GRANT for the KEDA role")
        with Stack(name="k8s") as stack:
            stack.start_postgres()
            stack.psql(schema)
            stack.psql("CREATE ROLE kumo_keda LOGIN", user="postgres", db="postgres")
            for grant in grants:
                stack.psql(grant)

            def count():
                (value,), = stack.psql(query, user="kumo_keda")
                return int(value)

            self.assertEqual(count(), 0, "an empty queue must scale to zero")
            item = ("INSERT INTO queue_items (serie_id, serie_folder, serie_name, "
                    "season, episode, provider, source_url, target_path, status, "
                    "not_before, lease_token, lease_expires) VALUES "
                    "('s', 'S', 'S', 1, %d, 'direct', 'http://o/x', 'x%d', '%s', "
                    "now() + interval '%d s', %s, %s)")
            lease = ("gen_random_uuid()", "now() + interval '30 s'")
            rows = [(1, "downloading", 0) + lease, (2, "pending", -1, "NULL", "NULL"),
                    (3, "pending", -1, "NULL", "NULL"),
                    (4, "pending", 600, "NULL", "NULL"),  # retry not due yet
                    (5, "paused", 0, "NULL", "NULL"), (6, "completed", 0, "NULL", "NULL")]
            for ep, status, delay, token, expires in rows:
                stack.psql(item % (ep, ep, status, delay, token, expires))
            stack.psql("INSERT INTO queue_discards (item_id, target_path) "
                       "VALUES (gen_random_uuid(), 'old.part')")
            self.assertEqual(count(), 4, "1 downloading + 2 due + 1 discard")
            stack.psql("UPDATE queue_state SET paused = true")
            self.assertEqual(count(), 2, "paused queue: only running work counts")
            print("  KEDA query as kumo_keda: empty 0, busy 4, paused 2")


if __name__ == "__main__":
    if shutil.which("kubectl") is None:
        print("SKIP: kubectl not found on PATH; the Kubernetes manifests were "
              "not rendered or checked (kubectl with Kustomize 5 is needed)")
        sys.exit(0)
    unittest.main(verbosity=2)
