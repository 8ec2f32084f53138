// Unknown-field check: the schemas of kubernetes-models accept any extra
// field, so a misspelt key (`readinesProbe`) would pass them. This walks an
// object along the TypeScript declarations (.d.ts) that ship with the same
// models and reports every key its type does not declare, as
// `kubectl apply --validate=strict` would.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const cache = new Map(); // .d.ts path -> type of its interface (or null)

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/// Splits `body` (inside braces) into [name, type text] at nesting depth 0.
function properties(body) {
  const out = [];
  let depth = 0, start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === "{" || ch === "<" || ch === "(") depth++;
    else if (ch === "}" || ch === ">" || ch === ")") depth--;
    else if (ch === ";" && depth === 0) {
      const m = body.slice(start, i).trim().match(/^"([^"]+)"\??:\s*([\s\S]+)$/);
      if (m) out.push([m[1], m[2].trim()]);
      start = i + 1;
    }
  }
  return out;
}

/// The type described by `text`, with imported names resolved from `file`.
function typeOf(text, imports, file) {
  let m = text.match(/^Array<([\s\S]+)>$/);
  if (m) return { array: typeOf(m[1].trim(), imports, file) };
  m = text.match(/^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/);
  if (m) return { map: typeOf(m[1].trim(), imports, file) };
  if (text.startsWith("{")) return objectType(text.slice(1, -1), imports, file);
  if (imports[text]) return { ref: imports[text] };
  return { leaf: true }; // primitives, literal unions, int-or-string
}

function objectType(body, imports, file) {
  const fields = new Map();
  for (const [name, text] of properties(body))
    fields.set(name, typeOf(text, imports, file));
  return { fields };
}

function moduleFile(spec, fromFile, nodeModules) {
  const base = spec.startsWith(".")
    ? join(dirname(fromFile), spec)
    : join(nodeModules, spec);
  return base.replace(/\.js$/, "") + ".d.ts";
}

/// The interface type declared in a .d.ts file, or null (a type alias).
function load(file, nodeModules) {
  if (cache.has(file)) return cache.get(file);
  cache.set(file, null); // recursive types end here until loaded
  if (!existsSync(file)) return null;
  const text = stripComments(readFileSync(file, "utf8"));
  const imports = {};
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g))
    imports[m[1]] = moduleFile(m[2], file, nodeModules);
  const start = text.search(/export interface \w+( extends [\w, ]+)? \{/);
  if (start < 0) return null;
  let depth = 0, open = text.indexOf("{", start), i = open;
  for (; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) break;
  }
  const type = objectType(text.slice(open + 1, i), imports, file);
  cache.set(file, type);
  return type;
}

function walk(value, type, path, nodeModules, out) {
  if (type.ref) type = load(type.ref, nodeModules) ?? { leaf: true };
  if (type.leaf || value === null || typeof value !== "object") return;
  if (type.array && Array.isArray(value))
    value.forEach((v, i) => walk(v, type.array, `${path}/${i}`, nodeModules, out));
  else if (type.map)
    for (const [k, v] of Object.entries(value))
      walk(v, type.map, `${path}/${k}`, nodeModules, out);
  else if (type.fields)
    for (const [k, v] of Object.entries(value)) {
      const field = type.fields.get(k);
      if (!field) out.push(`${path}/${k} is not a field of this object`);
      else walk(v, field, `${path}/${k}`, nodeModules, out);
    }
}

/// Problems of `obj` whose model class is declared in `classFile`.
export function unknownFields(obj, classFile, nodeModules) {
  const out = [];
  walk(obj, { ref: classFile }, "", nodeModules, out);
  return out;
}
