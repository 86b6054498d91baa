// The records dlgconv writes from each real-world fixture (fixtures/realworld, in file
// order, with the options of its .args file), for the golden scripts that render or encode
// them (template-goldens.mjs, tokenizer-goldens.mjs).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

export function fixtureRecords(root, dlgconv) {
	const dir = path.join(root, "fixtures/realworld");
	const records = [];
	for (const f of fs.readdirSync(dir).sort()) {
		if (!/\.(txt|json|jsonl)$/.test(f))
			continue;
		const argsFile = path.join(dir, f.replace(/\.[^.]+$/, ".args"));
		const args = fs.existsSync(argsFile) ?
			fs.readFileSync(argsFile, "utf8").trim().split(/\s+/).filter(Boolean) : [];
		const o = fs.mkdtempSync(path.join(os.tmpdir(), "gold-conv-"));
		try {
			execFileSync(dlgconv, ["convert", path.join(dir, f), ...args, "--split", "train=1",
				"-o", path.join(o, "out")], { stdio: "ignore" });
		} catch {
			// a fixture that rejects everything still wrote what it kept
		}
		const train = path.join(o, "out/train.jsonl.gz");
		if (fs.existsSync(train))
			for (const line of zlib.gunzipSync(fs.readFileSync(train)).toString().split("\n"))
				if (line)
					records.push(JSON.parse(line));
		fs.rmSync(o, { recursive: true, force: true });
	}
	return records;
}
