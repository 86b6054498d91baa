#!/usr/bin/env python3
"""The datasets dlgconv writes, checked against the published rules of the tools that read
them (tests/consumers.py, where each rule cites its source).

  consumers_test.py DLGCONV FIXTURES_DIR

- default output (and sharegpt) of every valid fixture and real-world excerpt: what
  Hugging Face `datasets.load_dataset(dir)` needs (card, one type per column, no empty
  split file, declared features that match every record);
- `--bare --compress none`: the OpenAI cookbook's format checks and Together's check_file;
- `--format sharegpt --bare`: LLaMA-Factory's sharegpt converter;
- preference pairs: TRL's conversational preference shape, and OpenAI's and Together's
  preference format for `--format openai-preference --bare --compress none`;
- tool use: the card's features, TRL's tools column and tool-call messages,
  LLaMA-Factory's sharegpt with function_call and observation turns, OpenAI's tool-call
  format.
"""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import consumers  # noqa: E402
from checks import check, finish  # noqa: E402

dlgconv, fixtures = sys.argv[1], sys.argv[2]


def args_for(path):
    stem = path
    for suffix in (".gz", ".txt", ".jsonl", ".json"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
    return open(stem + ".args").read().replace("{file}", path).split() \
        if os.path.exists(stem + ".args") else []


def convert(out, *argv):
    r = subprocess.run([dlgconv, "convert", "-q", *argv, "-o", out], capture_output=True)
    check(r.returncode == 0, "convert %s: exit %d %s" % (" ".join(argv), r.returncode, r.stderr))
    return out


def split_files(out):
    return sorted(p for p in glob.glob(os.path.join(out, "*.jsonl*"))
                  if not os.path.basename(p).startswith(("rejects.", "provenance.")))


def no_problems(what, problems):
    check(not problems, "%s: %s" % (what, "; ".join(problems[:5])))


def records(path):
    got, problems = consumers.read_records(path)
    no_problems("json lines %s" % path, problems)
    return got


inputs = [(os.path.join(fixtures, "valid"), [])]
for path in sorted(glob.glob(os.path.join(fixtures, "realworld", "*"))):
    # (the alpaca_eval templates and FastChat's answers without questions write nothing;
    # tool use has consumers of its own, below)
    if path.endswith((".txt", ".jsonl")) and "alpaca-eval" not in path and \
            "fastchat" not in path and "tool" not in path:
        inputs.append((path, args_for(path)))

with tempfile.TemporaryDirectory() as tmp:
    for k, (path, args) in enumerate(inputs):
        name = "%d-%s" % (k, os.path.basename(path))
        out = convert(os.path.join(tmp, name + "-default"), *args, path)
        no_problems("hf %s" % name, consumers.check_hf_directory(out))
        out = convert(os.path.join(tmp, name + "-sharegpt"), "--format", "sharegpt", *args, path)
        no_problems("hf sharegpt %s" % name, consumers.check_hf_directory(out))
        out = convert(os.path.join(tmp, name + "-bare"), "--bare", "--compress", "none",
                      *args, path)
        check(split_files(out), "%s: no split written" % name)
        for f in split_files(out):
            no_problems("openai %s" % f, consumers.check_openai_file(f))
            no_problems("together %s" % f, consumers.check_together_file(f))
        # docs/usage.md's LLaMA-Factory recipe: its dataset_info.json names each split file;
        # the folder itself is refused, the card being another file type
        out = convert(os.path.join(tmp, name + "-sharegpt-bare"), "--format", "sharegpt",
                      "--bare", "--compress", "none", *args, path)
        for f in split_files(out):
            no_problems("llamafactory %s" % f, consumers.check_llamafactory_file(f))
            no_problems("llamafactory %s" % f, consumers.check_llamafactory_sharegpt(records(f)))
        check(consumers.rule_ids(consumers.check_llamafactory_file(out)) ==
              {"llamafactory:file_type"}, "llamafactory reads the whole folder %s" % out)

    # ESConv with --keep-fields: the card declares each kept field's type; survey_score's
    # objects, whose keys differ from record to record, as one struct, and a field no record
    # has as null (datasets fills what a record lacks with null)
    esconv = os.path.join(fixtures, "realworld", "esconv-failed.json")
    out = convert(os.path.join(tmp, "esconv"), *args_for(esconv), "--keep-fields", "lang", esconv)
    no_problems("hf esconv", consumers.check_hf_directory(out, strict_missing=False))

    # gzip and plain outputs hold the same bytes
    seed = os.path.join(fixtures, "valid", "seed.txt")
    gz = convert(os.path.join(tmp, "gz"), "--split", "all=1", seed)
    plain = convert(os.path.join(tmp, "plain"), "--split", "all=1", "--compress", "none", seed)
    with gzip.open(os.path.join(gz, "all.jsonl.gz"), "rb") as f:
        check(f.read() == open(os.path.join(plain, "all.jsonl"), "rb").read(),
              "--compress none differs from the decompressed gzip output")

    # Tool use: LLaMA-Factory's glaive excerpt (sharegpt, function_call and observation
    # turns) and its reasoning excerpt (messages with reasoning and tool_call parts). The card
    # declares what messages carry (datasets fills null where a message lacks one of them);
    # TRL's tools column and tool-call messages; LLaMA-Factory's sharegpt with its tools
    # column. Their calls have no ids, which OpenAI's format needs: that is checked on calls
    # written with ids, whose tools OpenAI's upload wants as the list (docs/rules.md).
    tool_inputs = [os.path.join(fixtures, "realworld", n) for n in
                   ("llamafactory-glaive-toolcall.json", "llamafactory-reason-tool-use.jsonl")]
    out = convert(os.path.join(tmp, "tools"), *tool_inputs)
    no_problems("hf tools", consumers.check_hf_directory(out, strict_missing=False))
    for f in split_files(out):
        no_problems("trl tools %s" % f, consumers.check_trl_tools(records(f)))
    out = convert(os.path.join(tmp, "tools-sharegpt"), "--format", "sharegpt", "--bare",
                  *tool_inputs)
    no_problems("hf tools sharegpt", consumers.check_hf_directory(out, strict_missing=False))
    for f in split_files(out):
        no_problems("llamafactory tools %s" % f,
                    consumers.check_llamafactory_sharegpt(records(f)))
    openai_tools = os.path.join(tmp, "openai-tools.jsonl")
    with open(openai_tools, "w") as f:
        call = {"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
        f.write(json.dumps({"messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
            {"role": "assistant", "content": "It is 18C and sunny.", "weight": 1}],
            "tools": [{"type": "function", "function": {"name": "get_weather"}}]}) + "\n")
    out = convert(os.path.join(tmp, "openai-tools"), "--bare", "--compress", "none",
                  openai_tools)
    for f in split_files(out):
        listed = [dict(r, tools=json.loads(r["tools"])) for r in records(f)]
        no_problems("openai tools %s" % f, consumers.check_openai_tools(listed))
        no_problems("trl tools %s" % f, consumers.check_trl_tools(records(f)))

    pairs = [os.path.join(fixtures, "preference", "hh-rlhf-harmless-base.jsonl")]
    fields = ["--text-field", "chosen", "--rejected-field", "rejected"]
    out = convert(os.path.join(tmp, "trl"), "--format", "preference", *fields, *pairs)
    no_problems("hf preference", consumers.check_hf_directory(out))
    for f in split_files(out):
        no_problems("trl %s" % f, consumers.check_trl_preference(records(f)))
    out = convert(os.path.join(tmp, "openai-dpo"), "--format", "openai-preference", "--bare",
                  "--compress", "none", *fields, *pairs)
    check(split_files(out), "openai-preference: no split written")
    for f in split_files(out):
        no_problems("openai preference %s" % f, consumers.check_openai_preference(records(f)))
        no_problems("together preference %s" % f, consumers.check_together_file(f))

    # docs/usage.md's FastChat recipe (sharegpt, bare, plain, the lines as one JSON array) on
    # conversations with a system turn: FastChat's trainer takes `from` human/gpt only, so the
    # first system turn is the record's `system` column
    system_turns = os.path.join(fixtures, "valid", "messages-array.jsonl")
    out = convert(os.path.join(tmp, "fastchat"), "--format", "sharegpt", "--bare", "--compress",
                  "none", "--split", "all=1", system_turns)
    recs = records(os.path.join(out, "all.jsonl"))
    check(any(r["system"] for r in recs), "fastchat: no record with a system prompt to check")
    no_problems("fastchat", consumers.check_fastchat(recs))
    no_problems("llamafactory", consumers.check_llamafactory_sharegpt(recs))

    # nothing written: load_dataset(dir) must fail saying the split files are not there (its
    # FileNotFoundError), not with the TypeError of a `data_files` without entries, nor load
    # rejects.jsonl and manifest.json as data
    rejected = os.path.join(tmp, "rejected-only.txt")
    open(rejected, "w").write("no marker here\n")
    out = os.path.join(tmp, "nothing")
    r = subprocess.run([dlgconv, "convert", "-q", rejected, "-o", out], capture_output=True)
    check(r.returncode == 1, "nothing written: exit %d" % r.returncode)
    got = consumers.rule_ids(consumers.check_hf_directory(out))
    check(got == {"hf:data_files_missing"}, "nothing written: hf says %s" % sorted(got))

finish()
