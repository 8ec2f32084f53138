// Validates Kubernetes objects against the Kubernetes and KEDA schemas
// (kubernetes-models, @kubernetes-models/keda) without a cluster.
//
// Usage: node validate.mjs FILE.yaml...   (or the YAML on standard input)
//
// Every document must be an object whose apiVersion and kind have a schema
// here, which passes that schema's checks (types, required fields, enums,
// formats) and has no field its type does not declare (strict.mjs). On success prints all objects as one JSON array on standard
// output and exits 0. Otherwise prints one line per problem on standard
// error ("<source> <kind>/<name>: <problem>") and exits 1.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { unknownFields } from "./strict.mjs";

const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");

/// Module that holds the model class of `apiVersion`, or null.
function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes("/")
    ? apiVersion.split("/")
    : ["", apiVersion];
  if (group === "keda.sh" || group === "eventing.keda.sh")
    return `@kubernetes-models/keda/${group}/${version}`;
  if (group === "") return `kubernetes-models/${version}`;
  if (!/^[a-z0-9.-]+$/.test(group) || !/^v[0-9a-z]+$/.test(version))
    return null;
  return `kubernetes-models/${group}/${version}`;
}

async function modelClass(apiVersion, kind) {
  const path = modulePath(String(apiVersion));
  if (!path || !/^[A-Z][A-Za-z0-9]*$/.test(String(kind))) return null;
  try {
    const mod = await import(`${path}/${kind}`);
    return mod[kind] ?? null;
  } catch {
    return null;
  }
}

function describe(error) {
  const where = error.instancePath || "/";
  const params = error.params ? JSON.stringify(error.params) : "";
  return `${where} ${error.message ?? error.keyword} ${params}`.trim();
}

async function validateObject(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj))
    return ["document is not an object"];
  if (!obj.apiVersion || !obj.kind) return ["apiVersion or kind missing"];
  const Model = await modelClass(obj.apiVersion, obj.kind);
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const strict = unknownFields(
    obj, join(nodeModules, `${modulePath(obj.apiVersion)}/${obj.kind}.d.ts`),
    nodeModules);
  try {
    new Model(obj).validate();
    return strict;
  } catch (err) {
    if (Array.isArray(err.errors) && err.errors.length)
      return err.errors.map(describe).concat(strict);
    return [String(err.message ?? err)].concat(strict);
  }
}

function readSources(args) {
  if (args.length === 0) return [["<stdin>", readFileSync(0, "utf8")]];
  return args.map((file) => [file, readFileSync(file, "utf8")]);
}

async function main() {
  const objects = [];
  const problems = [];
  for (const [source, text] of readSources(process.argv.slice(2))) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        problems.push(`${source}: YAML: ${doc.errors[0].message}`);
        continue;
      }
      const obj = doc.toJS();
      if (obj === null) continue; // empty document
      const name = `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
      for (const p of await validateObject(obj))
        problems.push(`${source} ${name}: ${p}`);
      objects.push(obj);
    }
  }
  if (problems.length) {
    for (const p of problems) process.stderr.write(p + "\n");
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(objects));
}

await main();
