#!/usr/bin/env node
// Compile the protocol contracts with solc-js (standard JSON) into committed artifacts.
//
//   node scripts/compile.js                 write ogpu/chain/artifacts/<Name>.json, check them against the
//                                           official ABIs in contracts/reference-abi/mainnet and rewrite
//                                           contracts/abi-signatures.txt
//   node scripts/compile.js --reference DIR the same against the official ABIs (<Name>Abi.json) in DIR
//   node scripts/compile.js --check         recompile in memory; exit 1 if committed files drifted
//   node scripts/compile.js --out DIR       write artifacts into DIR instead (signatures untouched)
//   node scripts/compile.js --bench --out DIR   also compile contracts/bench (full-deployment variants)
//
// Artifacts: {"abi", "bytecode", "contractName", "deployedBytecode"} (0x-hex), sorted keys, 2-space
// indentation, trailing newline. Settings: solc 0.8.37, optimizer on (200 runs), evmVersion "prague",
// no viaIR, no metadata hash in the bytecode (so comments do not change the code).
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const ROOT = path.resolve(__dirname, "..");
const SOLC_VERSION = "0.8.37";
const ARTIFACT_DIR = path.join(ROOT, "ogpu", "chain", "artifacts");
const SIGNATURES = path.join(ROOT, "contracts", "abi-signatures.txt");
// The official (mainnet) ABIs, kept in the repository; --reference DIR checks against another copy.
const REFERENCE_DIR = path.join(ROOT, "contracts", "reference-abi", "mainnet");
// Contracts whose official ABI we keep; Source/Task/Response are clones, so their constructors differ.
const REFERENCE = ["Controller", "Manager", "Nexus", "Response", "Source", "Task", "Terminal", "Vault"];
const CLONED = new Set(["Response", "Source", "Task"]);

function parseArgs(argv) {
  const args = { check: false, bench: false, out: null, reference: REFERENCE_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--check") args.check = true;
    else if (a === "--bench") args.bench = true;
    else if (a === "--out") args.out = path.resolve(argv[++i]);
    else if (a === "--reference") args.reference = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function listSol(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSol(full));
    else if (entry.name.endsWith(".sol")) out.push(full);
  }
  return out;
}

function unitName(file) {
  return path.relative(ROOT, file).split(path.sep).join("/");
}

function findImports(importPath) {
  const candidates = importPath.startsWith("@")
    ? [path.join(ROOT, "node_modules", importPath)]
    : [path.join(ROOT, importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, "utf8") };
  }
  return { error: `import not found: ${importPath}` };
}

function compile(includeBench) {
  if (!solc.version().startsWith(SOLC_VERSION)) {
    throw new Error(`solc ${SOLC_VERSION} required, found ${solc.version()}`);
  }
  const dirs = ["contracts/src", "contracts/test"];
  if (includeBench) dirs.push("contracts/bench");
  const sources = {};
  for (const d of dirs) {
    for (const f of listSol(path.join(ROOT, d))) sources[unitName(f)] = { content: fs.readFileSync(f, "utf8") };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "prague",
      metadata: { bytecodeHash: "none" },
      outputSelection: { "*": { "": ["ast"], "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) {
    if (e.severity !== "error" && !e.sourceLocation?.file?.startsWith("@")) process.stderr.write(e.formattedMessage);
  }
  if (errors.length) {
    for (const e of errors) process.stderr.write(e.formattedMessage);
    throw new Error("compilation failed");
  }
  const libraries = new Set();
  for (const src of Object.values(output.sources)) {
    for (const node of src.ast.nodes) {
      if (node.nodeType === "ContractDefinition" && node.contractKind === "library") libraries.add(node.name);
    }
  }
  // OZ's Errors.InsufficientBalance(uint256,uint256) (Clones' unreachable value check; clones are always
  // created with value 0) shares its name with the protocol's InsufficientBalance(address,uint256,uint256).
  // Drop such name-colliding library errors so every error name in an artifact means one thing.
  const protocolErrors = new Map(
    output.contracts["contracts/src/interfaces/IErrors.sol"].IErrors.abi.map((e) => [e.name, signatureKey(e)]),
  );
  const cleanAbi = (abi) =>
    abi.filter((e) => e.type !== "error" || !protocolErrors.has(e.name) || protocolErrors.get(e.name) === signatureKey(e));
  const artifacts = {};
  for (const unit of Object.keys(output.contracts).sort()) {
    if (!dirs.some((d) => unit.startsWith(d + "/"))) continue;
    for (const [name, c] of Object.entries(output.contracts[unit])) {
      if (!c.evm.bytecode.object || libraries.has(name)) continue; // interfaces, libraries, abstract contracts
      if (artifacts[name]) throw new Error(`duplicate contract name ${name}`);
      artifacts[name] = {
        abi: cleanAbi(c.abi),
        bytecode: "0x" + c.evm.bytecode.object,
        contractName: name,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      };
    }
  }
  return artifacts;
}

function signatureKey(entry) {
  return `${entry.name}(${entry.inputs.map(canonicalType).join(",")})`;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

function render(artifact) {
  return JSON.stringify(sortKeys(artifact), null, 2) + "\n";
}

// ------------------------------------------------------------------------- canonical signatures

function canonicalType(param) {
  if (param.type.startsWith("tuple")) {
    return "(" + param.components.map(canonicalType).join(",") + ")" + param.type.slice(5);
  }
  return param.type;
}

function signature(contract, entry) {
  const ins = (entry.inputs || []).map((p) => canonicalType(p) + (entry.type === "event" && p.indexed ? " indexed" : ""));
  if (entry.type === "function") {
    const outs = (entry.outputs || []).map(canonicalType).join(",");
    return `${contract} function ${entry.name}(${ins.join(",")}) -> (${outs}) ${entry.stateMutability}`;
  }
  if (entry.type === "event") return `${contract} event ${entry.name}(${ins.join(",")})`;
  if (entry.type === "constructor") return `${contract} constructor(${ins.join(",")}) ${entry.stateMutability}`;
  return null;
}

/** Signatures of the reference ABIs that our ABIs reproduce. */
function compatibleSignatures(artifacts, referenceDir) {
  if (referenceDir === null) return null;
  if (!fs.existsSync(referenceDir)) throw new Error(`--reference ${referenceDir} does not exist`);
  const lines = [];
  for (const name of REFERENCE) {
    const ref = JSON.parse(fs.readFileSync(path.join(referenceDir, `${name}Abi.json`), "utf8"));
    const ours = new Set(artifacts[name].abi.map((e) => signature(name, e)).filter(Boolean));
    for (const e of ref) {
      if (e.type === "constructor" && CLONED.has(name)) continue;
      const sig = signature(name, e);
      if (sig === null) continue;
      if (!ours.has(sig)) throw new Error(`ABI incompatibility: missing ${sig}`);
      lines.push(sig);
    }
  }
  return (
    "# Canonical signatures of the official (mainnet) ABI that our compiled ABIs reproduce.\n" +
    "# Generated by scripts/compile.js; checked by tests/contracts/test_abi_compat.py.\n" +
    "# Source/Task/Response constructors are omitted: those contracts are EIP-1167 clones.\n" +
    [...new Set(lines)].sort().join("\n") +
    "\n"
  );
}

// ----------------------------------------------------------------------------------------- main

function main() {
  const args = parseArgs(process.argv.slice(2));
  const artifacts = compile(args.bench);
  const rendered = {};
  for (const name of Object.keys(artifacts).sort()) rendered[`${name}.json`] = render(artifacts[name]);
  const signatures = args.bench ? null : compatibleSignatures(artifacts, args.reference);

  if (args.check) {
    const drift = [];
    const dir = args.out || ARTIFACT_DIR;
    for (const [file, text] of Object.entries(rendered)) {
      const p = path.join(dir, file);
      if (!fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text) drift.push(path.relative(ROOT, p));
    }
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (file.endsWith(".json") && !(file in rendered)) drift.push(`${path.relative(ROOT, path.join(dir, file))} (stale)`);
    }
    if (signatures !== null && (!fs.existsSync(SIGNATURES) || fs.readFileSync(SIGNATURES, "utf8") !== signatures)) {
      drift.push(path.relative(ROOT, SIGNATURES));
    }
    if (drift.length) {
      process.stderr.write(`artifacts drifted (run npm run compile):\n  ${drift.join("\n  ")}\n`);
      process.exit(1);
    }
    process.stdout.write(`artifacts up to date (${Object.keys(rendered).length} contracts)\n`);
    return;
  }

  const dir = args.out || ARTIFACT_DIR;
  fs.mkdirSync(dir, { recursive: true });
  if (!args.out) {
    for (const file of fs.readdirSync(dir)) {
      if (file.endsWith(".json") && !(file in rendered)) fs.unlinkSync(path.join(dir, file));
    }
  }
  for (const [file, text] of Object.entries(rendered)) fs.writeFileSync(path.join(dir, file), text);
  if (!args.out && signatures !== null) fs.writeFileSync(SIGNATURES, signatures);
  if (!args.out && signatures === null) {
    process.stderr.write(`note: no --reference DIR; ${path.relative(ROOT, SIGNATURES)} left unchanged\n`);
  }
  process.stdout.write(`wrote ${Object.keys(rendered).length} artifacts to ${path.relative(ROOT, dir) || dir}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
