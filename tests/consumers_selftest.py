#!/usr/bin/env python3
"""Self-test of tests/consumers.py: every checker gets hand-made good records
(no problem expected) and one bad case per rule, and must flag exactly the
expected rule ids. Run: python3 tests/consumers_selftest.py
Prints "N passed, N failed" last; exits 1 on any failure."""

import copy
import gzip
import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no tests/__pycache__ left behind
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumers as C  # noqa: E402

PASSED = 0
FAILED = 0


def expect(name, problems, rules):
    """problems must carry exactly the rule ids in `rules` (a set)."""
    global PASSED, FAILED
    got = C.rule_ids(problems)
    if got == set(rules) and all(p.startswith("[") for p in problems):
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL %s: expected %s, got %s" % (name, sorted(rules), sorted(got)))
        for p in problems[:10]:
            print("    " + p)


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL %s %s" % (name, detail))


def msg(role, content, sd=None):
    return {"role": role, "content": content, "stage_directions": sd or []}


def dlg(i=1, sd=None, record=1, source="a.txt"):
    """A dlgconv --format messages record."""
    return {"id": "%032x" % i, "source": source, "record": record,
            "messages": [msg("user", "*sighs* hi", None), msg("assistant", "hello", sd)]}


# ---------------------------------------------------------------------------
# OpenAI chat (cookbook)
# ---------------------------------------------------------------------------

good_chat = [
    {"messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hi"},
                  {"role": "assistant", "content": "hello", "weight": 1}]},
    {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "name": "bot"}]},
]
expect("openai good", C.check_openai_chat(good_chat), set())
expect("openai data_type", C.check_openai_chat(["x"]), {"openai:data_type"})
expect("openai missing_messages_list", C.check_openai_chat([{"messages": []}, {"text": "x"}]),
       {"openai:missing_messages_list"})
expect("openai message_missing_key", C.check_openai_chat(
    [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "function_call": {"x": 1}}]}]),
    {"openai:message_missing_key", "openai:missing_content"})
expect("openai message_unrecognized_key (dlgconv stage_directions)", C.check_openai_chat(
    [{"messages": [msg("user", "a"), msg("assistant", "b")]}]), {"openai:message_unrecognized_key"})
expect("openai unrecognized_role", C.check_openai_chat(
    [{"messages": [{"role": "human", "content": "a"}, {"role": "assistant", "content": "b"}]}]),
    {"openai:unrecognized_role"})
expect("openai missing_content", C.check_openai_chat(
    [{"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "b"}]}]),
    {"openai:missing_content"})
expect("openai example_missing_assistant_message", C.check_openai_chat(
    [{"messages": [{"role": "user", "content": "a"}]}]), {"openai:example_missing_assistant_message"})
expect("openai top-level extras are not checked by the notebook", C.check_openai_chat(
    [{"id": "x", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}]), set())

# ---------------------------------------------------------------------------
# OpenAI preference (DPO docs)
# ---------------------------------------------------------------------------

good_pref = {"input": {"messages": [{"role": "user", "content": "How cold is it?"}], "tools": [],
                       "parallel_tool_calls": True},
             "preferred_output": [{"role": "assistant", "content": "Mild, 20 C."}],
             "non_preferred_output": [{"role": "assistant", "content": "Cold."}]}
expect("openai-pref good", C.check_openai_preference([good_pref]), set())
bad = dict(good_pref, id="x")
expect("openai-pref extra top-level key", C.check_openai_preference([bad]), {"openai-pref:keys"})
bad = {k: v for k, v in good_pref.items() if k != "non_preferred_output"}
expect("openai-pref missing key", C.check_openai_preference([bad]), {"openai-pref:keys"})
bad = copy.deepcopy(good_pref)
bad["input"] = {"prompt": "x"}
expect("openai-pref input without messages", C.check_openai_preference([bad]), {"openai-pref:input"})
bad = copy.deepcopy(good_pref)
bad["input"]["messages"].append({"role": "assistant", "content": "x"})
expect("openai-pref input ends with assistant", C.check_openai_preference([bad]),
       {"openai-pref:input_last_assistant"})
bad = copy.deepcopy(good_pref)
bad["input"]["messages"][0]["stage_directions"] = []
expect("openai-pref input message extra key", C.check_openai_preference([bad]), {"openai-pref:input_messages"})
bad = copy.deepcopy(good_pref)
bad["preferred_output"] = [{"role": "user", "content": "x"}]
expect("openai-pref output role", C.check_openai_preference([bad]), {"openai-pref:output"})
bad = copy.deepcopy(good_pref)
bad["non_preferred_output"] = "Cold."
expect("openai-pref output not a list", C.check_openai_preference([bad]), {"openai-pref:output"})

# ---------------------------------------------------------------------------
# Together
# ---------------------------------------------------------------------------

good_conv = [{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
                           {"role": "assistant", "content": "a", "weight": 0},
                           {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]}]
expect("together good", C.check_together_conversational(good_conv), set())
expect("together: extra message keys are not checked",
       C.check_together_conversational([{"messages": [msg("user", "u"), msg("assistant", "a")]}]), set())
expect("together: the code only refuses repeats (assistant first, system later pass)",
       C.check_together_conversational([{"messages": [
           {"role": "assistant", "content": "a"}, {"role": "system", "content": "s"},
           {"role": "user", "content": "u"}, {"role": "assistant", "content": "b"}]}]), set())
expect("together extra column (dlgconv id/source/record)", C.check_together_conversational([dlg()]),
       {"together:extra_column"})
expect("together wrong role", C.check_together_conversational(
    [{"messages": [{"role": "human", "content": "u"}, {"role": "assistant", "content": "a"}]}]), {"together:role"})
expect("together roles not alternating", C.check_together_conversational(
    [{"messages": [{"role": "user", "content": "u"}, {"role": "user", "content": "u"},
                   {"role": "assistant", "content": "a"}]}]), {"together:role_turns"})
expect("together missing assistant", C.check_together_conversational(
    [{"messages": [{"role": "user", "content": "u"}]}]), {"together:no_assistant"})
expect("together empty messages", C.check_together_conversational([{"messages": []}]), {"together:messages_type"})
expect("together missing content column", C.check_together_conversational(
    [{"messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]}]), {"together:message_missing_column"})
expect("together content type", C.check_together_conversational(
    [{"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]}]),
    {"together:content_type"})
expect("together bad weight", C.check_together_conversational(
    [{"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a", "weight": 2}]}]),
    {"together:weight"})
expect("together no format", C.check_together([{"conversations": []}]), {"together:format"})
# A line with both `text` and `messages` matches the general format first and
# fails its extra-column check before "Found multiple dataset formats" is reached.
expect("together two formats in one line", C.check_together([{"text": "x", "messages": []}]),
       {"together:extra_column"})
expect("together mixed formats across lines", C.check_together(good_conv + [{"text": "plain"}]),
       {"together:mixed_formats"})
expect("together min samples", C.check_together([]), {"together:min_samples"})
tog_pref = {"input": {"messages": [{"role": "user", "content": "q"}]},
            "preferred_output": [{"role": "assistant", "content": "good"}],
            "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
expect("together preference good", C.check_together_preference([tog_pref]), set())
bad = copy.deepcopy(tog_pref)
bad["input"]["messages"].append({"role": "assistant", "content": "x"})
expect("together preference input ends with assistant", C.check_together_preference([bad]),
       {"together:input_last_assistant"})
bad = copy.deepcopy(tog_pref)
bad["preferred_output"].append({"role": "assistant", "content": "more"})
expect("together preference two output messages", C.check_together_preference([bad]), {"together:output"})
bad = copy.deepcopy(tog_pref)
bad["input"] = []
expect("together preference input not a dict", C.check_together_preference([bad]), {"together:input"})
expect("together preference extra column", C.check_together_preference([dict(tog_pref, id="x")]),
       {"together:extra_column"})
expect("together preference required, conversational given", C.check_together_preference(good_conv),
       {"together:format"})

# ---------------------------------------------------------------------------
# TRL
# ---------------------------------------------------------------------------

trl_explicit = {"prompt": [{"role": "user", "content": "What color is the sky?"}],
                "chosen": [{"role": "assistant", "content": "It is blue."}],
                "rejected": [{"role": "assistant", "content": "It is green."}]}
trl_implicit = {"chosen": [{"role": "user", "content": "What color is the sky?"},
                           {"role": "assistant", "content": "It is blue."}],
                "rejected": [{"role": "user", "content": "What color is the sky?"},
                             {"role": "assistant", "content": "It is green."}]}
# tool use: TRL's tools column (a list or its JSON text), OpenAI's tool-call format
tool_call = {"id": "c1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}
tool_rec = {"messages": [{"role": "user", "content": "weather?"},
                         {"role": "assistant", "content": "", "tool_calls": [tool_call]},
                         {"role": "tool", "tool_call_id": "c1", "content": "18C"},
                         {"role": "assistant", "content": "18C."}],
            "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
expect("trl tools good", C.check_trl_tools([tool_rec, dict(tool_rec, tools=json.dumps(tool_rec["tools"]))]), set())
expect("trl tools not a list", C.check_trl_tools([dict(tool_rec, tools={"a": 1})]), {"trl:tools"})
bad_call = copy.deepcopy(tool_rec)
bad_call["messages"][1]["tool_calls"][0]["type"] = "code"
expect("trl tool call type", C.check_trl_tools([bad_call]), {"trl:tool_call"})
expect("openai tools good", C.check_openai_tools([tool_rec]), set())
expect("openai tools as a string", C.check_openai_tools([dict(tool_rec, tools="[]")]), {"openai:tools"})
bad_args = copy.deepcopy(tool_rec)
bad_args["messages"][1]["tool_calls"][0]["function"]["arguments"] = "{bad"
expect("openai arguments not JSON", C.check_openai_tools([bad_args]), {"openai:tool_call"})
no_id = copy.deepcopy(tool_rec)
del no_id["messages"][2]["tool_call_id"]
expect("openai tool message answers nothing", C.check_openai_tools([no_id]), {"openai:tool_message"})
undeclared = dict(tool_rec, tools=[{"type": "function", "function": {"name": "other"}}])
expect("openai call not in tools", C.check_openai_tools([undeclared]), {"openai:tool_call"})

expect("trl good explicit", C.check_trl_preference([trl_explicit, trl_explicit]), set())
expect("trl good implicit", C.check_trl_preference([trl_implicit]), set())
expect("trl missing rejected", C.check_trl_preference([{"prompt": [], "chosen": []}]), {"trl:columns"})
expect("trl strings (standard format)", C.check_trl_preference(
    [{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}]), {"trl:not_conversational"})
expect("trl standard format allowed when asked", C.check_trl_preference(
    [{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}], conversational=False), set())
expect("trl messages mixed with strings", C.check_trl_preference(
    [dict(trl_explicit, rejected="green")], conversational=False), {"trl:kind_mismatch"})
bad = copy.deepcopy(trl_explicit)
bad["prompt"].append({"role": "assistant", "content": "Let me see."})
expect("trl prompt ends with assistant", C.check_trl_preference([bad]), {"trl:prompt_role"})
bad = copy.deepcopy(trl_explicit)
bad["chosen"] = trl_implicit["chosen"]
expect("trl explicit prompt, chosen repeats the user turn", C.check_trl_preference([bad]),
       {"trl:completion_role"})
expect("trl implicit without common prefix", C.check_trl_preference(
    [{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
      "rejected": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}]),
    {"trl:no_common_prefix"})
expect("trl empty list", C.check_trl_preference([dict(trl_explicit, rejected=[])]), {"trl:empty"})
expect("trl prompt column on some records only", C.check_trl_preference([trl_explicit, trl_implicit]),
       {"trl:prompt_column"})
expect("trl message without content", C.check_trl_preference(
    [dict(trl_explicit, chosen=[{"role": "assistant", "text": "x"}])]), {"trl:message"})

# ---------------------------------------------------------------------------
# LLaMA-Factory
# ---------------------------------------------------------------------------

def sg(*turns, **extra):
    d = {"conversations": [{"from": f, "value": v} for f, v in turns]}
    d.update(extra)
    return d


expect("llamafactory good (system first)", C.check_llamafactory_sharegpt(
    [sg(("system", "s"), ("human", "h"), ("gpt", "g"), ("human", "h2"), ("gpt", "g2")),
     sg(("human", "h"), ("function_call", "{}"), ("observation", "r"), ("gpt", "g"))]), set())
expect("llamafactory system not first", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), ("system", "s"), ("gpt", "g"))]), {"llamafactory:role_position"})
expect("llamafactory gpt in odd position", C.check_llamafactory_sharegpt(
    [sg(("gpt", "g"), ("human", "h"))]), {"llamafactory:role_position"})
expect("llamafactory two human turns", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), ("human", "h"), ("gpt", "g"))]), {"llamafactory:role_position"})
expect("llamafactory odd message count (ends with human)", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), ("gpt", "g"), ("human", "h2"))]), {"llamafactory:message_count"})
expect("llamafactory messages format (role/content)", C.check_llamafactory_sharegpt(
    [{"conversations": [{"role": "user", "content": "x"}]}]), {"llamafactory:message_keys"})
expect("llamafactory no conversations column", C.check_llamafactory_sharegpt([dlg()]), {"llamafactory:column"})
expect("llamafactory ranking good", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), chosen={"from": "gpt", "value": "a"}, rejected={"from": "gpt", "value": "b"})],
    ranking=True), set())
expect("llamafactory ranking bad chosen", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), chosen={"from": "human", "value": "a"}, rejected={"from": "gpt", "value": "b"})],
    ranking=True), {"llamafactory:ranking"})
expect("llamafactory ranking prompt ends with gpt", C.check_llamafactory_sharegpt(
    [sg(("human", "h"), ("gpt", "g"), chosen={"from": "gpt", "value": "a"},
        rejected={"from": "gpt", "value": "b"})], ranking=True), {"llamafactory:message_count"})

# ---------------------------------------------------------------------------
# FastChat
# ---------------------------------------------------------------------------

expect("fastchat good", C.check_fastchat([sg(("human", "h"), ("gpt", "g"), ("human", "h"), ("gpt", "g"))]),
       set())
expect("fastchat system turn (KeyError)", C.check_fastchat([sg(("system", "s"), ("human", "h"), ("gpt", "g"))]),
       {"fastchat:unknown_role"})
expect("fastchat out of order (AssertionError)", C.check_fastchat([sg(("human", "h"), ("human", "h"),
                                                                      ("gpt", "g"))]),
       {"fastchat:alternation"})
expect("fastchat first turn gpt is dropped", C.check_fastchat([sg(("gpt", "g"), ("human", "h"), ("gpt", "g"))]),
       {"fastchat:first_not_human"})
expect("fastchat empty", C.check_fastchat([sg()]), {"fastchat:empty"})

# ---------------------------------------------------------------------------
# Files and directories
# ---------------------------------------------------------------------------

TMP = tempfile.mkdtemp(prefix="consumers-selftest-")


def write(rel, records=None, text=None, gz=False, base=None):
    path = os.path.join(base or TMP, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text if text is not None else "".join(json.dumps(r) + "\n" for r in records)
    data = data.encode("utf-8")
    if gz:
        # Two members, as dlgconv writes them past 4 MiB.
        half = len(data) // 2
        data = gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return path


def tdir(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    return d


try:
    p = write("t/ok.jsonl", good_conv)
    expect("together file good", C.check_together_file(p), set())
    p = write("t/ok.jsonl.gz", good_conv, gz=True)
    expect("together file .jsonl.gz refused", C.check_together_file(p), {"together:file"})
    p = write("t/empty.jsonl", text="")
    expect("together empty file", C.check_together_file(p), {"together:file"})
    p = write("t/blank.jsonl", text=json.dumps(good_conv[0]) + "\n\n" + json.dumps(good_conv[0]) + "\n")
    expect("together blank line", C.check_together_file(p), {"together:json"})

    p = write("o/ok.jsonl", good_chat)
    expect("openai file good", C.check_openai_file(p), set())
    p = write("o/ok.jsonl.gz", good_chat, gz=True)
    expect("openai file gz", C.check_openai_file(p), {"openai:file"})

    p = write("lf/ok.json", text=json.dumps([sg(("human", "h"), ("gpt", "g"))]))
    expect("llamafactory file good (JSON array)", C.check_llamafactory_file(p), set())
    p = write("lf/ok.jsonl", [sg(("human", "h"), ("gpt", "g"))])
    expect("llamafactory file good (JSON lines)", C.check_llamafactory_file(p), set())
    p = write("lf/ok.jsonl.gz", [sg(("human", "h"), ("gpt", "g"))], gz=True)
    expect("llamafactory .gz refused", C.check_llamafactory_file(p), {"llamafactory:file_type"})

    p = write("fc/ok.json", text=json.dumps([sg(("human", "h"), ("gpt", "g"))]))
    expect("fastchat file good", C.check_fastchat_file(p), set())
    p = write("fc/lines.jsonl", [sg(("human", "h"), ("gpt", "g")), sg(("human", "h"), ("gpt", "g"))])
    expect("fastchat JSON lines refused (json.load)", C.check_fastchat_file(p), {"fastchat:json_array"})

    # --- Hugging Face ---------------------------------------------------------
    CARD = """---
# dlgconv dataset card: the subset of YAML tests/consumers.py reads
configs:
- config_name: default
  data_files:
  - split: train
    path: train.jsonl.gz
  - split: test
    path: "test.jsonl.gz"
dataset_info:
  config_name: default
  features:
  - name: id
    dtype: string
  - name: source
    dtype: string
  - name: record
    dtype: int64
  - name: messages
    list:
    - name: role
      dtype: string
    - name: content
      dtype: string
    - name: stage_directions
      list:
      - name: text
        dtype: string
      - name: offset
        dtype: int64
license: mit
tags: [dialogue, 'chat']
---

# A dataset
Text after the header is not read.
"""

    def hf_dir(name, card=CARD, files=None):
        d = tdir(name)
        if card is not None:
            write("README.md", text=card, base=d)
        for rel, recs in (files or {}).items():
            write(rel, recs, gz=rel.endswith(".gz"), base=d)
        write("rejects.jsonl", [{"source": "x.txt", "codes": ["E206"]}], base=d)
        write("manifest.json", text='{"tool": "dlgconv"}\n', base=d)
        return d

    sd = [{"text": "sighs", "offset": 0}]
    train = [dlg(1), dlg(2, sd=sd), dlg(3)]
    test = [dlg(4), dlg(5, sd=sd)]

    d = hf_dir("hf_good_card", files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf card good", C.check_hf_directory(d), set())

    d = hf_dir("hf_good_nocard", card=None,
               files={"train.jsonl.gz": train, "validation.jsonl.gz": test, "test.jsonl.gz": test})
    expect("hf no card good", C.check_hf_directory(d), set())

    d = hf_dir("hf_dev_is_validation", card=None, files={"train.jsonl.gz": train, "dev.jsonl.gz": test})
    expect("hf no card: dev is read as validation", C.check_hf_directory(d), set())

    d = hf_dir("hf_empty_split", files={"train.jsonl.gz": train, "test.jsonl.gz": []})
    expect("hf empty split file (card)", C.check_hf_directory(d), {"hf:empty_split"})

    d = hf_dir("hf_empty_split_nocard", card=None,
               files={"train.jsonl.gz": train, "validation.jsonl.gz": [], "test.jsonl.gz": test})
    expect("hf empty split file (no card)", C.check_hf_directory(d), {"hf:empty_split"})

    # Type drift between files, no card: the first batch (train) only has empty
    # stage_directions (list<null>), test has structs there; and `record`
    # is an int in train, a string in test.
    d = hf_dir("hf_drift", card=None, files={"train.jsonl.gz": [dlg(1), dlg(2)], "test.jsonl.gz": [dlg(3, sd=sd)]})
    expect("hf type drift: empty list first, structs later", C.check_hf_directory(d), {"hf:type_drift"})
    bad_rec = dlg(3)
    bad_rec["record"] = "3"
    d = hf_dir("hf_drift2", card=None, files={"train.jsonl.gz": train, "test.jsonl.gz": [bad_rec]})
    expect("hf type drift: int64 column, string later", C.check_hf_directory(d), {"hf:type_drift"})
    d = hf_dir("hf_newcol", card=None, files={"train.jsonl.gz": train, "test.jsonl.gz": [dict(dlg(4),
                                                                                          meta={"preamble": "p"})]})
    expect("hf column only in a later file", C.check_hf_directory(d), {"hf:type_drift"})
    d = hf_dir("hf_int_to_str_ok", card=None,
               files={"train.jsonl.gz": [dict(dlg(1), record="1")], "test.jsonl.gz": [dlg(2)]})
    expect("hf int after string casts (allow_primitive_to_str)", C.check_hf_directory(d), set())

    two = [dlg(1), dlg(2)]
    two[1]["messages"][0] = {"role": "user", "content": "x"}
    d = hf_dir("hf_mixed_struct", card=None, files={"train.jsonl.gz": two})
    expect("hf messages with different keys in the first batch", C.check_hf_directory(d), {"hf:mixed_struct"})

    d = hf_dir("hf_extra_col", files={"train.jsonl.gz": train, "test.jsonl.gz": [dict(dlg(4), meta={"preamble": "p"})]})
    expect("hf extra column vs declared features", C.check_hf_directory(d), {"hf:extra_column"})
    bad_sd = dlg(4, sd=[{"text": "nods", "offset": "3"}])
    d = hf_dir("hf_type", files={"train.jsonl.gz": train, "test.jsonl.gz": [bad_sd]})
    expect("hf wrong value type vs declared features", C.check_hf_directory(d), {"hf:type"})
    bad_sd = dlg(4, sd=[{"text": "nods", "offset": 3, "kind": "action"}])
    d = hf_dir("hf_extra_field", files={"train.jsonl.gz": train, "test.jsonl.gz": [bad_sd]})
    expect("hf extra struct field vs declared features", C.check_hf_directory(d), {"hf:extra_field"})
    no_rec = dlg(4)
    del no_rec["record"]
    d = hf_dir("hf_missing_col", files={"train.jsonl.gz": train, "test.jsonl.gz": [no_rec]})
    expect("hf missing column (strict)", C.check_hf_directory(d), {"hf:missing_column"})
    expect("hf missing column (--allow-missing)", C.check_hf_directory(d, strict_missing=False), set())
    null_rec = dlg(4)
    null_rec["record"] = None
    d = hf_dir("hf_null", files={"train.jsonl.gz": train, "test.jsonl.gz": [null_rec]})
    expect("hf null value (strict)", C.check_hf_directory(d), {"hf:type"})
    expect("hf null value (--allow-missing)", C.check_hf_directory(d, strict_missing=False), set())

    d = hf_dir("hf_missing_file", files={"train.jsonl.gz": train})
    expect("hf card names a file that is not there", C.check_hf_directory(d), {"hf:data_files_missing"})

    d = hf_dir("hf_no_entries", card="---\nconfigs:\n- config_name: default\n  data_files:\n---\n")
    expect("hf data_files without entries (TypeError)", C.check_hf_directory(d), {"hf:configs"})

    d = hf_dir("hf_no_keywords", card=None, files={"a.jsonl.gz": train, "b.jsonl.gz": test})
    expect("hf no card, no split keyword: everything is train", C.check_hf_directory(d),
           {"hf:stray_file", "hf:merged_splits", "hf:type_drift"})

    d = hf_dir("hf_holdout", card=None, files={"train.jsonl.gz": train, "holdout.jsonl.gz": test})
    expect("hf no card: split 'holdout' silently ignored", C.check_hf_directory(d), {"hf:unassigned_file"})

    d = hf_dir("hf_train_small", card=None,
               files={"train.jsonl.gz": train, "train_small.jsonl.gz": test, "test.jsonl.gz": test})
    expect("hf no card: train_small merged into train", C.check_hf_directory(d), {"hf:merged_splits"})

    d = hf_dir("hf_split_name", card=CARD.replace("split: test", "split: test-2"),
               files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf split name with a dash", C.check_hf_directory(d), {"hf:split_name"})

    d = hf_dir("hf_info_mismatch", card=CARD.replace("- config_name: default", "- config_name: chat"),
               files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf dataset_info for another config", C.check_hf_directory(d), {"hf:features_unused"})

    seq_card = CARD.replace("  - name: messages\n    list:", "  - name: messages\n    sequence:")
    d = hf_dir("hf_sequence", card=seq_card, files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf `sequence:` of fields is a struct of lists", C.check_hf_directory(d), {"hf:type"})

    d = hf_dir("hf_yaml", card=CARD.replace("license: mit", "description: |\n  multi\n  line"),
               files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf card YAML outside the subset", C.check_hf_directory(d), {"hf:card_yaml"})

    d = hf_dir("hf_dup", card=CARD.replace("license: mit", "license: mit\nlicense: apache-2.0"),
               files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf card duplicate key", C.check_hf_directory(d), {"hf:card_yaml"})

    splits_card = CARD.replace("license: mit", "").replace(
        "      - name: offset\n        dtype: int64\n",
        "      - name: offset\n        dtype: int64\n  splits:\n  - name: train\n    num_examples: 3\n"
        "  - name: test\n    num_examples: 5\n")
    d = hf_dir("hf_splits_info", card=splits_card, files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf dataset_info.splits num_examples mismatch", C.check_hf_directory(d), {"hf:splits_info"})
    d = hf_dir("hf_splits_info_ok", card=splits_card.replace("num_examples: 5", "num_examples: 2"),
               files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf dataset_info.splits matching the data", C.check_hf_directory(d), set())

    two_cfg = CARD.replace("configs:\n- config_name: default", "configs:\n- config_name: other\n"
                           "  data_files: train.jsonl.gz\n- config_name: chat")
    d = hf_dir("hf_two_configs", card=two_cfg, files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf two configs, none default", C.check_hf_directory(d), {"hf:configs"})

    bad_feat = CARD.replace("    dtype: int64\n  - name: messages", "    description: line\n  - name: messages")
    d = hf_dir("hf_feat_syntax", card=bad_feat, files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf feature whose first key is not a type", C.check_hf_directory(d), {"hf:features_syntax"})

    glob_card = CARD.replace("path: train.jsonl.gz", "path: \"*.jsonl*\"")
    d = hf_dir("hf_glob", card=glob_card, files={"train.jsonl.gz": train, "test.jsonl.gz": test})
    expect("hf glob picks rejects.jsonl and test into train", C.check_hf_directory(d),
           {"hf:stray_file", "hf:extra_column", "hf:missing_column"})

    # The YAML subset parser against PyYAML, when it is installed.
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        header = CARD.split("---\n")[1]
        check("card YAML parses as PyYAML does", C.parse_card_yaml(header) == yaml.safe_load(header),
              repr(C.parse_card_yaml(header)))
        for text in ["a: 1\nb:\n- x\n- y: 2\n  z: [1, 'q', \"w\"]\nc: {}\nd: ~\ne: 'it''s'\n",
                     "k:\n  - name: n\n    list:\n      - name: a\n        dtype: string\n"]:
            check("subset parse %r" % text[:20], C.parse_card_yaml(text) == yaml.safe_load(text),
                  repr(C.parse_card_yaml(text)))

    # A real dlgconv run, when the binary is built.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = os.path.join(root, "build", "dlgconv")
    if os.access(exe, os.X_OK):
        import subprocess
        out = os.path.join(TMP, "dlgconv_out")
        r = subprocess.run([exe, "convert", os.path.join(root, "fixtures", "valid"), "-o", out, "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0 and os.path.isdir(out):
            probs = C.check_hf_directory(out)
            check("dlgconv output on fixtures/valid has no stray or unreadable file",
                  not (C.rule_ids(probs) & {"hf:stray_file", "hf:unreadable", "hf:module", "hf:mixed_struct"}),
                  repr(probs[:5]))
finally:
    shutil.rmtree(TMP, ignore_errors=True)

print("%d passed, %d failed" % (PASSED, FAILED))
sys.exit(1 if FAILED else 0)
