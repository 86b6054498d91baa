#!/usr/bin/env python3
"""Validates dlgconv's real outputs against schemas/ with a real validator (jsonschema).

  schema_test.py DLGCONV FIXTURES_DIR SCHEMAS_DIR

Checked: every golden record in fixtures/expected, every record, reject line and the
manifest of a convert of all fixtures, and every finding `validate --diagnostics json`
prints for them. The schemas are also checked against the 2020-12 meta-schema.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator, RefResolver

from checks import check, finish

dlgconv, fixtures, schemas = sys.argv[1:4]
validators = {}
store = {}
for name in ("record", "record-sharegpt", "record-text", "diagnostic", "manifest", "reject",
             "config"):
    schema = json.load(open(os.path.join(schemas, name + ".schema.json")))
    Draft202012Validator.check_schema(schema)
    store[schema["$id"]] = schema
for schema in store.values():
    name = schema["$id"].rsplit("/", 1)[1].replace(".schema.json", "")
    validators[name] = Draft202012Validator(schema, resolver=RefResolver.from_schema(schema, store=store))

def check_schema(kind, instance, where):
    errors = sorted(validators[kind].iter_errors(instance), key=str)
    check(not errors, "%s (%s): %s" % (where, kind, errors[0].message if errors else ""))


expected = os.path.join(fixtures, "expected")
for root, _, names in os.walk(expected):
    for name in sorted(names):
        for i, line in enumerate(open(os.path.join(root, name), encoding="utf-8")):
            check_schema("record", json.loads(line), "%s:%d" % (name, i + 1))

inputs = [os.path.join(fixtures, "valid"), os.path.join(fixtures, "invalid")]
record_kind = {"messages": "record", "sharegpt": "record-sharegpt", "text": "record-text"}
with tempfile.TemporaryDirectory() as tmp:
    for extra in ([], ["--keep-preamble", "--seed", "18446744073709551615", "--max-turn-chars", "9",
                       "--max-rejects", "1000", "--include", "*.txt", "--split", "a=1,b=2",
                       "--tokenizer", os.path.join(fixtures, "tokenizers", "gpt2"),
                       "--emit-token-counts"],
                  ["--format", "sharegpt", "--keep-preamble", "--keep-fields", "id,lang",
                   "--leading-assistant", "drop"], ["--format", "text"]):
        kind = record_kind[extra[1] if extra[:1] == ["--format"] else "messages"]
        out = os.path.join(tmp, "out%d" % len(os.listdir(tmp)))
        r = subprocess.run([dlgconv, "convert", "-q", *extra, *inputs, "-o", out],
                           capture_output=True)
        if r.returncode != 0:
            check(False, "convert %s: exit %d %s" % (extra, r.returncode, r.stderr))
            continue
        for name in sorted(os.listdir(out)):
            path = os.path.join(out, name)
            if name.endswith(".jsonl.gz"):
                with gzip.open(path, "rt", encoding="utf-8") as f:
                    for i, line in enumerate(f):
                        check_schema(kind, json.loads(line), "%s:%d" % (name, i + 1))
            elif name == "rejects.jsonl":
                for i, line in enumerate(open(path, encoding="utf-8")):
                    check_schema("reject", json.loads(line), "%s:%d" % (name, i + 1))
            elif name == "manifest.json":
                check_schema("manifest", json.load(open(path)), name)

r = subprocess.run([dlgconv, "validate", "--diagnostics", "json", *inputs], capture_output=True)
lines = r.stdout.decode().splitlines()
if len(lines) < 20:
    check(False, "validate printed only %d findings" % len(lines))
for i, line in enumerate(lines):
    check_schema("diagnostic", json.loads(line), "finding %d" % (i + 1))

# The config schema names exactly the options of the commands (their --help).
import re
options = set()
for command in ("convert", "validate", "stats", "leakage", "map", "bands", "cluster", "reduce",
                "finalize"):
    text = subprocess.run([dlgconv, command, "--help"], capture_output=True).stdout.decode()
    options |= set(re.findall(r"--([a-z][a-z-]*)", text.split("\noptions:")[1].split("\nexit status:")[0]))
options -= {"help", "config"}
schema_options = set(json.load(open(os.path.join(schemas, "config.schema.json")))["properties"])
check(options == schema_options,
      "config schema and --help differ: %s" % sorted(options ^ schema_options))
example = json.load(open(os.path.join(os.path.dirname(schemas), "docs", "dlgconv.json")))
check_schema("config", example, "docs/dlgconv.json")

finish()
