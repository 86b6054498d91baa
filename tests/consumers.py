#!/usr/bin/env python3
"""Acceptance rules of the real consumers of dlgconv datasets, as executable checks.

None of the consumers' packages can be installed here, so every rule below was
written from the consumer's own source code or documentation and carries a
comment naming where it comes from (repository, file, function or notebook cell,
and the key line when it is short). The versions read:

  huggingface/datasets       5.0.2.dev0 (main, 2026-07-31; same logic as 4.x)
  openai/openai-cookbook     examples/Chat_finetuning_data_prep.ipynb
  OpenAI docs                guides/direct-preference-optimization
  togethercomputer/together-python 1.5.34 (src/together/utils/files.py);
                             together-py 2.x (src/together/lib/utils/files.py)
                             has the same rules
  huggingface/trl            main, 2026-07-24 (docs/source/dataset_formats.md,
                             trl/data_utils.py, trl/trainer/dpo_trainer.py)
  hiyouga/LLaMA-Factory      main, 2026-08-18 (data/README.md,
                             src/llamafactory/data/converter.py, loader.py)
  lm-sys/FastChat            main, 2025-04-12 (fastchat/train/train.py)

Every checker returns a list of problems, each a string that starts with the
rule's id in brackets, e.g. "[together:extra_column] record 1: ...". An empty
list means the consumer accepts the data. Record-level checkers take a list of
parsed records (dicts, or anything a JSON line can hold) and number records from
1; file- and directory-level checkers take a path.

  check_openai_chat(records)            OpenAI cookbook format checks (SFT)
  check_openai_preference(records)      OpenAI DPO JSONL shape
  check_together(records)               Together check_file, any format
  check_together_conversational(records)  ... requiring the `messages` format
  check_together_preference(records)    ... requiring the preference format
  check_together_file(path)             ... plus the file-level rules
  check_trl_preference(records)         TRL DPOTrainer preference dataset
  check_trl_tools(records)              TRL SFT: the tools column, tool-call messages
  check_openai_tools(records)           OpenAI's tool-call training format
  check_llamafactory_sharegpt(records)  LLaMA-Factory sharegpt converter
  check_llamafactory_file(path)         ... plus the loader's file-type rule
  check_fastchat(records)               FastChat train.py preprocess()
  check_fastchat_file(path)             ... plus json.load of one array
  check_hf_directory(path)              datasets.load_dataset(path), json builder

The Hugging Face card (README.md) is read with a small YAML parser that knows
the subset dataset cards use: block mappings and sequences ("key: value",
"- item", "- key: value"), plain, single- and double-quoted scalars, integers,
true/false/null, "[a, b]" flow lists, "{}" and comments. Anything else (block
scalars "|"/">", anchors, multi-line flow collections) is reported as
[hf:card_yaml] rather than guessed.

Usage:
  python3 tests/consumers.py openai FILE.jsonl...
  python3 tests/consumers.py openai-preference FILE.jsonl...
  python3 tests/consumers.py together FILE.jsonl...
  python3 tests/consumers.py together-preference FILE.jsonl...
  python3 tests/consumers.py trl-preference FILE.jsonl...
  python3 tests/consumers.py trl-tools FILE.jsonl...
  python3 tests/consumers.py openai-tools FILE.jsonl...
  python3 tests/consumers.py llamafactory FILE.json[l]...
  python3 tests/consumers.py fastchat FILE.json...
  python3 tests/consumers.py hf [--allow-missing] DIR...
Files may be gzip-compressed (told by the magic bytes) except where the
consumer itself refuses that, which is then reported. Exit status: 0 when no
problem was found, 1 when any was, 2 on a usage error.
"""

import gzip
import json
import os
import re
import sys
from collections import OrderedDict

__all__ = [
    "check_openai_chat", "check_openai_preference",
    "check_together", "check_together_conversational", "check_together_preference",
    "check_together_file",
    "check_trl_preference",
    "check_llamafactory_sharegpt", "check_llamafactory_file",
    "check_fastchat", "check_fastchat_file",
    "check_hf_directory",
    "parse_card_yaml", "read_records", "rule_ids",
]


def rule_ids(problems):
    """The set of rule ids ("together:extra_column", ...) in a list of problems."""
    out = set()
    for p in problems:
        m = re.match(r"\[([^\]]+)\]", p)
        if m:
            out.add(m.group(1))
    return out


def _p(rule, where, text):
    return "[%s] %s: %s" % (rule, where, text) if where else "[%s] %s" % (rule, text)


def _tname(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------

def _open_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        # gzip.decompress reads every member of a multi-member file.
        data = gzip.decompress(data)
    return data, compressed


def read_records(path, blank_lines_ok=True):
    """Parse a JSON-lines file (plain or gzip). Returns (records, problems)
    where problems are "[json] line N: ..." strings for lines that do not parse
    (and for blank lines when blank_lines_ok is false)."""
    data, _ = _open_bytes(path)
    records, problems = [], []
    lines = data.decode("utf-8", errors="strict").split("\n")
    for n, line in enumerate(lines, 1):
        if line.strip() == "":
            # The empty string after the last newline is no line.
            if not blank_lines_ok and n < len(lines):
                problems.append(_p("json", "line %d" % n, "blank line"))
            continue
        try:
            records.append(json.loads(line))
        except ValueError as e:
            problems.append(_p("json", "line %d" % n, "not JSON: %s" % e))
    return records, problems


# ---------------------------------------------------------------------------
# OpenAI: supervised chat fine-tuning
# ---------------------------------------------------------------------------

# openai/openai-cookbook, examples/Chat_finetuning_data_prep.ipynb, cell
# "# Format error checks" (section "Format validation"). Each error key below is
# the key the notebook counts in `format_errors`.
OPENAI_MESSAGE_KEYS = ("role", "content", "name", "function_call", "weight")
#   if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
OPENAI_ROLES = ("system", "user", "assistant", "function")
#   if message.get("role", None) not in ("system", "user", "assistant", "function"):
# (The notebook's prose lists only system/user/assistant; the code also accepts
# the legacy "function" role.)


def check_openai_chat(records):
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        # data_type: `if not isinstance(ex, dict): format_errors["data_type"] += 1`
        if not isinstance(ex, dict):
            problems.append(_p("openai:data_type", where, "not an object but %s" % _tname(ex)))
            continue
        # missing_messages_list: `messages = ex.get("messages", None); if not messages:`
        # (absent, null or an empty list all count).
        messages = ex.get("messages", None)
        if not messages:
            problems.append(_p("openai:missing_messages_list", where, "no non-empty `messages`"))
            continue
        if not isinstance(messages, list):
            # The notebook iterates it; anything but a list of objects makes it
            # raise. Reported under the same key.
            problems.append(_p("openai:missing_messages_list", where,
                               "`messages` is %s, not a list" % _tname(messages)))
            continue
        for j, message in enumerate(messages, 1):
            mw = "%s, message %d" % (where, j)
            if not isinstance(message, dict):
                problems.append(_p("openai:message_missing_key", mw, "not an object"))
                continue
            # message_missing_key: `if "role" not in message or "content" not in message:`
            if "role" not in message or "content" not in message:
                problems.append(_p("openai:message_missing_key", mw, "needs both `role` and `content`"))
            # message_unrecognized_key: any key outside OPENAI_MESSAGE_KEYS.
            extra = [k for k in message if k not in OPENAI_MESSAGE_KEYS]
            if extra:
                problems.append(_p("openai:message_unrecognized_key", mw,
                                   "key(s) %s not in %s" % (", ".join(map(repr, extra)),
                                                            ", ".join(OPENAI_MESSAGE_KEYS))))
            # unrecognized_role
            if message.get("role", None) not in OPENAI_ROLES:
                problems.append(_p("openai:unrecognized_role", mw,
                                   "role %r not in %s" % (message.get("role"), ", ".join(OPENAI_ROLES))))
            # missing_content:
            #   if (not content and not function_call) or not isinstance(content, str):
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                problems.append(_p("openai:missing_content", mw, "content must be a non-empty string"))
        # example_missing_assistant_message:
        #   if not any(message.get("role", None) == "assistant" for message in messages):
        if not any(isinstance(m, dict) and m.get("role", None) == "assistant" for m in messages):
            problems.append(_p("openai:example_missing_assistant_message", where, "no assistant message"))
    return problems


def check_openai_file(path):
    """The notebook's loading cell reads the file as text lines:
    `with open(data_path, 'r', encoding='utf-8') as f: dataset = [json.loads(line) for line in f]`
    so the file must be plain UTF-8 JSON lines with no blank line."""
    problems = []
    data, compressed = _open_bytes(path)
    if compressed:
        problems.append(_p("openai:file", path, "gzip-compressed; the notebook and the upload expect plain JSONL"))
    records, parse = read_records(path, blank_lines_ok=False)
    problems += [p.replace("[json]", "[openai:json]") for p in parse]
    return problems + check_openai_chat(records)


# ---------------------------------------------------------------------------
# OpenAI: preference (DPO) fine-tuning
# ---------------------------------------------------------------------------

# OpenAI docs, "Direct preference optimization" guide
# (developers.openai.com/api/docs/guides/direct-preference-optimization), "Data
# format": each JSONL line is
#   {"input": {"messages": [...], "tools": [], "parallel_tool_calls": true},
#    "preferred_output": [{"role": "assistant", "content": ...}],
#    "non_preferred_output": [{"role": "assistant", "content": ...}]}
# and "Currently, we only train on one-turn conversations for each example,
# where the preferred and non-preferred messages need to be the last assistant
# message." The API reference object (FineTunePreferenceRequestInput) has exactly
# the three top-level properties input, preferred_output, non_preferred_output.
OPENAI_PREF_KEYS = ("input", "preferred_output", "non_preferred_output")
OPENAI_PREF_INPUT_KEYS = ("messages", "tools", "parallel_tool_calls")
# Message objects of the Chat Completions API (ChatCompletionRequest*Message).
OPENAI_CHAT_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")
OPENAI_INPUT_ROLES = ("system", "developer", "user", "assistant", "tool")


def _openai_messages(messages, where, rule, roles):
    problems = []
    if not isinstance(messages, list) or not messages:
        return [_p(rule, where, "must be a non-empty list of messages")]
    for j, m in enumerate(messages, 1):
        mw = "%s, message %d" % (where, j)
        if not isinstance(m, dict):
            problems.append(_p(rule, mw, "not an object"))
            continue
        extra = [k for k in m if k not in OPENAI_CHAT_MESSAGE_KEYS]
        if extra:
            problems.append(_p(rule, mw, "unrecognized key(s) %s" % ", ".join(map(repr, extra))))
        if m.get("role") not in roles:
            problems.append(_p(rule, mw, "role %r not in %s" % (m.get("role"), ", ".join(roles))))
        if not isinstance(m.get("content"), str) or not m.get("content"):
            problems.append(_p(rule, mw, "content must be a non-empty string"))
    return problems


def check_openai_preference(records):
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        if not isinstance(ex, dict):
            problems.append(_p("openai-pref:keys", where, "not an object"))
            continue
        missing = [k for k in OPENAI_PREF_KEYS if k not in ex]
        extra = [k for k in ex if k not in OPENAI_PREF_KEYS]
        if missing or extra:
            problems.append(_p("openai-pref:keys", where, "top-level keys must be exactly %s (missing %s, extra %s)"
                               % (", ".join(OPENAI_PREF_KEYS), missing or "none", extra or "none")))
        inp = ex.get("input")
        if "input" in ex:
            if not isinstance(inp, dict) or "messages" not in inp:
                problems.append(_p("openai-pref:input", where, "`input` must be an object with `messages`"))
            else:
                bad = [k for k in inp if k not in OPENAI_PREF_INPUT_KEYS]
                if bad:
                    problems.append(_p("openai-pref:input", where, "`input` key(s) %s not in %s"
                                       % (", ".join(map(repr, bad)), ", ".join(OPENAI_PREF_INPUT_KEYS))))
                msgs = inp["messages"]
                problems += _openai_messages(msgs, where + ", input.messages", "openai-pref:input_messages",
                                             OPENAI_INPUT_ROLES)
                # The outputs are "the last assistant message": the input must
                # not already end with one.
                if isinstance(msgs, list) and msgs and isinstance(msgs[-1], dict) \
                        and msgs[-1].get("role") == "assistant":
                    problems.append(_p("openai-pref:input_last_assistant", where,
                                       "input.messages ends with an assistant message"))
        for key in ("preferred_output", "non_preferred_output"):
            if key not in ex:
                continue
            out = ex[key]
            # Docs example and API reference: a list of assistant messages.
            problems += _openai_messages(out, "%s, %s" % (where, key), "openai-pref:output", ("assistant",))
    return problems


# ---------------------------------------------------------------------------
# Together AI: together.utils.files.check_file
# ---------------------------------------------------------------------------

# togethercomputer/together-python, src/together/constants.py:
TOGETHER_FORMATS = OrderedDict([
    ("general", ["text"]),                                   # DatasetFormat.GENERAL
    ("conversation", ["messages"]),                          # DatasetFormat.CONVERSATION
    ("instruction", ["prompt", "completion"]),               # DatasetFormat.INSTRUCTION
    ("preference_openai", ["input", "preferred_output", "non_preferred_output"]),
])                                                           # JSONL_REQUIRED_COLUMNS_MAP
TOGETHER_REQUIRED_MESSAGE_COLUMNS = ["role", "content"]      # REQUIRED_COLUMNS_MESSAGE
TOGETHER_ROLES = ["system", "user", "assistant"]             # POSSIBLE_ROLES_CONVERSATION
TOGETHER_MIN_SAMPLES = 1                                     # MIN_SAMPLES


def _together_content(content, role, where):
    # files.py, _check_message_content(): a string, or an OpenAI-style list of
    # {"type": "text", "text": str} / {"type": "image_url", ...} items (images
    # only in user messages). "Invalid content type ... Expected string or
    # multimodal list of dicts".
    if isinstance(content, str):
        return []
    if isinstance(content, list):
        for item in content:
            if not isinstance(item, dict) or "type" not in item:
                return [_p("together:content_type", where, "content list items must be objects with `type`")]
            if item["type"] == "text":
                if not isinstance(item.get("text"), str):
                    return [_p("together:content_type", where, "text item without a string `text`")]
            elif item["type"] == "image_url":
                if role != "user":
                    return [_p("together:content_type", where, "only user messages can contain images")]
            else:
                return [_p("together:content_type", where, "item type %r is not text or image_url" % item["type"])]
        return []
    return [_p("together:content_type", where, "content is %s, expected a string" % _tname(content))]


def _together_messages(messages, where, require_assistant):
    """files.py, validate_messages(); first problem only, as the SDK raises."""
    # _check_conversation_type(): "The `messages` column must be a list",
    # "must not be empty", "must be a list of dicts", "Missing required column".
    if not isinstance(messages, list):
        return [_p("together:messages_type", where, "`messages` must be a list, found %s" % _tname(messages))]
    if len(messages) == 0:
        return [_p("together:messages_type", where, "`messages` must not be empty")]
    for j, m in enumerate(messages, 1):
        if not isinstance(m, dict):
            return [_p("together:messages_type", where, "message %d is not an object" % j)]
        for column in TOGETHER_REQUIRED_MESSAGE_COLUMNS:
            if column not in m:
                return [_p("together:message_missing_column", where,
                           "message %d: missing required column `%s`" % (j, column))]
    previous_role = None
    assistant = False
    for j, m in enumerate(messages, 1):
        mw = "%s, message %d" % (where, j)
        # _check_message_weight(): "Weight must be an integer" / "either 0 or 1".
        if "weight" in m and (not isinstance(m["weight"], int) or m["weight"] not in (0, 1)):
            return [_p("together:weight", mw, "weight must be the integer 0 or 1")]
        # _check_message_role(): role must be a string in POSSIBLE_ROLES_CONVERSATION,
        # and `if previous_role is not None and message["role"] == previous_role:`
        # raise "Invalid role turns ... After the optional system message,
        # conversation roles must alternate between user/assistant/user/assistant."
        # Note: the code only refuses the same role twice in a row; it does not
        # check that the first turn is a user's or that system comes first.
        role = m["role"]
        if not isinstance(role, str) or role not in TOGETHER_ROLES:
            return [_p("together:role", mw, "role %r not in %s" % (role, ", ".join(TOGETHER_ROLES)))]
        if previous_role is not None and role == previous_role:
            return [_p("together:role_turns", mw, "two %s messages in a row; roles must alternate" % role)]
        previous_role = role
        assistant |= role == "assistant"
        bad = _together_content(m["content"], role, mw)
        if bad:
            return bad
    # _check_conversation_roles(): "At least one message with the assistant role
    # must be present in the example."
    if require_assistant and not assistant:
        return [_p("together:no_assistant", where, "no assistant message")]
    return []


def _together_preference(ex, where):
    """files.py, validate_preference_openai(); first problem only."""
    if not isinstance(ex["input"], dict):
        return [_p("together:input", where, "`input` must be a dictionary")]
    if "messages" not in ex["input"]:
        return [_p("together:input", where, "the `input` dictionary must contain a `messages` field")]
    bad = _together_messages(ex["input"]["messages"], where + ", input", require_assistant=False)
    if bad:
        return bad
    # "The last message in the input conversation must not be from the assistant"
    if ex["input"]["messages"][-1]["role"] == "assistant":
        return [_p("together:input_last_assistant", where, "input ends with an assistant message")]
    for key in ("preferred_output", "non_preferred_output"):
        out = ex[key]
        # "must be a list", "must contain exactly one message", "must be a
        # dictionary", "must have a 'role' field", "must have the 'assistant'
        # role", "must have a 'content' field".
        if not isinstance(out, list) or len(out) != 1 or not isinstance(out[0], dict):
            return [_p("together:output", where, "`%s` must be a list of exactly one message" % key)]
        if out[0].get("role") != "assistant" or "content" not in out[0]:
            return [_p("together:output", where, "`%s` must be one assistant message with content" % key)]
        bad = _together_content(out[0]["content"], "assistant", where + ", " + key)
        if bad:
            return bad
    return []


def check_together(records, require=None):
    """files.py, _check_jsonl() on parsed lines. `require` ("conversation" or
    "preference_openai") additionally demands that format. The SDK stops at
    the first bad line; this reports every bad line (first problem of each)."""
    problems = []
    dataset_format = None
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        # "Error parsing file. Invalid format on line N ... Datasets must follow
        # text, conversational, or instruction format."
        if not isinstance(ex, dict):
            problems.append(_p("together:not_object", where, "line is %s, not an object" % _tname(ex)))
            continue
        current = None
        bad = None
        for fmt, cols in TOGETHER_FORMATS.items():
            if all(c in ex for c in cols):
                # "Found multiple dataset formats in the input file." (In
                # practice the extra-column check below fires first.)
                if current is not None and current != fmt:
                    bad = _p("together:format", where, "matches both %s and %s formats" % (current, fmt))
                    break
                current = fmt
                # "# Check that there are no extra columns":
                #   if column not in JSONL_REQUIRED_COLUMNS_MAP[possible_format]:
                #       raise ... f'Found extra column "{column}" in the line {idx + 1}.'
                extra = [c for c in ex if c not in cols]
                if extra:
                    bad = _p("together:extra_column", where, 'Found extra column "%s" (%s format allows only %s)'
                             % (extra[0], fmt, ", ".join(cols)))
                    break
        if bad:
            problems.append(bad)
            continue
        if current is None:
            # "Could not detect a format for the line N with the columns"
            problems.append(_p("together:format", where, "no known format for columns %s" % ", ".join(ex)))
            continue
        if require and current != require:
            problems.append(_p("together:format", where, "%s format, expected %s" % (current, require)))
            continue
        if current == "preference_openai":
            problems += _together_preference(ex, where)
        elif current == "conversation":
            problems += _together_messages(ex["messages"], where, require_assistant=True)
        else:
            for col in TOGETHER_FORMATS[current]:
                problems += _together_content(ex[col], "assistant" if col == "completion" else "user",
                                              "%s, %s" % (where, col))
        # "All samples in the dataset must have the same dataset format."
        if dataset_format is None:
            dataset_format = current
        elif current != dataset_format:
            problems.append(_p("together:mixed_formats", where, "%s format after %s lines"
                               % (current, dataset_format)))
    # _check_samples_count(): "Our minimum is {MIN_SAMPLES} samples."
    if len(records) < TOGETHER_MIN_SAMPLES:
        problems.append(_p("together:min_samples", None, "fewer than %d sample" % TOGETHER_MIN_SAMPLES))
    return problems


def check_together_conversational(records):
    return check_together(records, require="conversation")


def check_together_preference(records):
    return check_together(records, require="preference_openai")


def check_together_file(path, require=None):
    """files.py, check_file(): the file must exist and be non-empty ("File is
    empty"), be named *.jsonl (`if file.suffix == ".jsonl"`; any other suffix:
    "Unknown extension of file"), be UTF-8 (_check_utf8), and every line must be
    JSON (`json.loads(line)`, so a blank line fails too)."""
    if not os.path.isfile(path):
        return [_p("together:file", path, "not found")]
    if os.path.getsize(path) == 0:
        return [_p("together:file", path, "File is empty")]
    problems = []
    if not path.endswith(".jsonl"):
        problems.append(_p("together:file", path, "suffix must be .jsonl (a .jsonl.gz is refused)"))
        return problems
    try:
        with open(path, "rb") as f:
            raw = f.read()
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [_p("together:file", path, "File is not UTF-8 encoded: %s" % e)]
    records, parse = read_records(path, blank_lines_ok=False)
    problems += [p.replace("[json]", "[together:json]") for p in parse]
    return problems + check_together(records, require)


# ---------------------------------------------------------------------------
# TRL: DPOTrainer preference datasets
# ---------------------------------------------------------------------------

# huggingface/trl, docs/source/dataset_formats.md, "Preference": conversational,
# explicit prompt (recommended):
#   {"prompt": [{"role": "user", "content": "What color is the sky?"}],
#    "chosen": [{"role": "assistant", "content": "It is blue."}],
#    "rejected": [{"role": "assistant", "content": "It is green."}]}
# implicit prompt: no "prompt"; "chosen" and "rejected" are whole conversations
# whose longest common prefix is the prompt (trl/data_utils.py, extract_prompt).
# The table "Which dataset type to use?" lists DPOTrainer with "Preference
# (explicit prompt recommended)".


def _trl_is_conversational(value):
    # trl/data_utils.py, is_conversational(): `maybe_messages[0]` must be a dict
    # with "role" (an empty list raises IndexError there).
    return isinstance(value, list) and len(value) > 0 and isinstance(value[0], dict) and "role" in value[0]


def _trl_messages(value, where):
    problems = []
    for j, m in enumerate(value, 1):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            problems.append(_p("trl:message", "%s, message %d" % (where, j),
                               "each message needs string `role` and `content`"))
    return problems


def check_trl_preference(records, conversational=True):
    problems = []
    has_prompt = None
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        if not isinstance(ex, dict) or "chosen" not in ex or "rejected" not in ex:
            # dpo_trainer.py reads example["chosen"] and example["rejected"].
            problems.append(_p("trl:columns", where, "needs `chosen` and `rejected`"))
            continue
        # dpo_trainer.py, _prepare_dataset(): `if "prompt" not in first_example:`
        # extract_prompt is mapped over the whole dataset, so the column must be
        # present on every record or on none (a datasets table has one schema).
        if has_prompt is None:
            has_prompt = "prompt" in ex
        elif has_prompt != ("prompt" in ex):
            problems.append(_p("trl:prompt_column", where, "`prompt` present on some records only"))
        keys = ["prompt", "chosen", "rejected"] if "prompt" in ex else ["chosen", "rejected"]
        kinds = {}
        for k in keys:
            v = ex[k]
            if isinstance(v, list) and not v:
                problems.append(_p("trl:empty", where, "`%s` is an empty list" % k))
                kinds[k] = None
                continue
            kinds[k] = _trl_is_conversational(v)
            if conversational and not kinds[k]:
                problems.append(_p("trl:not_conversational", where, "`%s` is not a list of {role, content}" % k))
            elif kinds[k]:
                problems += _trl_messages(v, "%s, %s" % (where, k))
        if any(kinds[k] is None for k in keys):
            continue
        known = [kinds[k] for k in keys]
        # tokenize_fn concatenates example["prompt"] + example["chosen"]: a list
        # and a string cannot be added, and maybe_extract_prompt() ignores a
        # prompt whose kind differs from chosen's.
        if len(set(known)) > 1:
            problems.append(_p("trl:kind_mismatch", where, "prompt/chosen/rejected mix messages and strings"))
            continue
        if not known or not known[0]:
            continue
        if "prompt" in ex:
            # Docs shape: the prompt ends on the user's turn (it is tokenized
            # with add_generation_prompt=True) and each completion is the
            # assistant's reply.
            if isinstance(ex["prompt"][-1], dict) and ex["prompt"][-1].get("role") == "assistant":
                problems.append(_p("trl:prompt_role", where, "prompt ends with an assistant message"))
            for k in ("chosen", "rejected"):
                if not isinstance(ex[k][0], dict) or ex[k][0].get("role") != "assistant":
                    problems.append(_p("trl:completion_role", where, "`%s` must start with the assistant's reply" % k))
        else:
            # extract_prompt(): "the longest common sequence (prefix) of
            # conversation turns between the chosen and rejected completions".
            c, r = ex["chosen"], ex["rejected"]
            n = 0
            while n < min(len(c), len(r)) and c[n] == r[n]:
                n += 1
            if n == 0:
                problems.append(_p("trl:no_common_prefix", where, "implicit prompt: chosen and rejected share no prefix"))
            elif n == len(c) or n == len(r):
                problems.append(_p("trl:no_common_prefix", where, "implicit prompt: nothing left after the shared prefix"))
    return problems


# ---------------------------------------------------------------------------
# Tool use: TRL's tools column and tool-call messages, OpenAI's tool-call format
# ---------------------------------------------------------------------------

# huggingface/trl (f2cd577), docs/source/dataset_formats.md, "Tool Calling": an assistant
# message may have a "tool_calls" field instead of content, each call
#   {"type": "function", "function": {"name": ..., "arguments": {...}}},
# the tool's output is {"role": "tool", "name": ..., "content": ...}, and an SFT dataset has
# "an additional column named `tools`" holding "the list of available tools", or, for
# `datasets` without the Json() type, that list as a JSON `str`. The trainer reads either:
# trl/trainer/sft_trainer.py:1458-1459
#   tools = example.get("tools")
#   tools = json.loads(tools) if isinstance(tools, str) else tools
# and hands `tools` and the messages to the chat template.
def check_trl_tools(records):
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        tools = ex.get("tools") if isinstance(ex, dict) else None
        if isinstance(tools, str):
            try:
                tools = json.loads(tools)
            except ValueError as e:
                problems.append(_p("trl:tools", where, "`tools` is a string but not JSON: %s" % e))
                continue
        if tools is not None and not (isinstance(tools, list) and
                                      all(isinstance(t, dict) for t in tools)):
            problems.append(_p("trl:tools", where, "`tools` is not a list of JSON schemas"))
        for j, m in enumerate(ex.get("messages") or [] if isinstance(ex, dict) else [], 1):
            mw = "%s, message %d" % (where, j)
            for c in m.get("tool_calls") or []:
                fn = c.get("function") if isinstance(c, dict) else None
                if (not isinstance(fn, dict) or c.get("type") != "function" or
                        not isinstance(fn.get("name"), str) or
                        not isinstance(fn.get("arguments"), (str, dict))):
                    problems.append(_p("trl:tool_call", mw, "a call needs type function and "
                                       "function {name, arguments}"))
            if m.get("role") == "tool" and not isinstance(m.get("content"), str):
                problems.append(_p("trl:tool_message", mw, "a tool message needs its content"))
    return problems


# OpenAI's chat format with tools, as the Azure OpenAI guide "Fine-tuning and tool calling"
# (learn.microsoft.com/en-us/azure/ai-services/openai/how-to/fine-tuning-functions) gives a
# training line: {"messages": [..., {"role": "assistant", "tool_calls": [{"id": "call_id",
# "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\":
# ...}"}}]}], "tools": [{"type": "function", "function": {"name", "description",
# "parameters"}}]}; the arguments are a JSON text in a string. A tool's result is the Chat
# Completions tool message {"role": "tool", "tool_call_id": ..., "content": ...}
# (platform.openai.com/docs/api-reference/chat/create, messages: "Tool message"), and every
# tool_call_id answers a call made before it.
OPENAI_TOOL_ROLES = ("system", "user", "assistant", "tool")


def check_openai_tools(records):
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        if not isinstance(ex, dict) or not isinstance(ex.get("messages"), list):
            problems.append(_p("openai:missing_messages_list", where, "no `messages` list"))
            continue
        tools = ex.get("tools")
        names = None
        if tools is not None:
            if not isinstance(tools, list):
                problems.append(_p("openai:tools", where, "`tools` is %s, not a list" % _tname(tools)))
            else:
                names = {t.get("function", {}).get("name") for t in tools
                         if isinstance(t, dict) and t.get("type") == "function"}
                if len(names) != len(tools):
                    problems.append(_p("openai:tools", where, "a tool is not {type: function, function: {name}}"))
        asked = set()
        for j, m in enumerate(ex["messages"], 1):
            mw = "%s, message %d" % (where, j)
            role = m.get("role") if isinstance(m, dict) else None
            if role not in OPENAI_TOOL_ROLES:
                problems.append(_p("openai:unrecognized_role", mw, "role %r" % role))
                continue
            for c in m.get("tool_calls") or []:
                fn = c.get("function") if isinstance(c, dict) else None
                if (not isinstance(fn, dict) or c.get("type") != "function" or
                        not isinstance(c.get("id"), str) or not isinstance(fn.get("name"), str)):
                    problems.append(_p("openai:tool_call", mw, "a call needs id, type function and a function name"))
                    continue
                try:
                    json.loads(fn.get("arguments"))
                except (TypeError, ValueError):
                    problems.append(_p("openai:tool_call", mw, "arguments are not a JSON text"))
                if names is not None and fn["name"] not in names:
                    problems.append(_p("openai:tool_call", mw, "%r is not in `tools`" % fn["name"]))
                asked.add(c["id"])
            if role == "tool" and (m.get("tool_call_id") not in asked or
                                   not isinstance(m.get("content"), str)):
                problems.append(_p("openai:tool_message", mw, "needs the tool_call_id of an earlier call and content"))
            if role != "tool" and not m.get("tool_calls") and not (
                    isinstance(m.get("content"), str) and m["content"]):
                problems.append(_p("openai:missing_content", mw, "content must be a non-empty string"))
    return problems


# ---------------------------------------------------------------------------
# LLaMA-Factory: sharegpt format
# ---------------------------------------------------------------------------

# hiyouga/LLaMA-Factory, src/llamafactory/data/parser.py, DatasetAttr defaults:
#   messages = "conversations", role_tag = "from", content_tag = "value",
#   user_tag = "human", assistant_tag = "gpt", observation_tag = "observation",
#   function_tag = "function_call", system_tag = "system"
# data/README.md, "Sharegpt Format": "Note that the human and observation should
# appear in odd positions, while gpt and function should appear in even
# positions."
LF_ODD = ("human", "observation")
LF_EVEN = ("gpt", "function_call")


def check_llamafactory_sharegpt(records, ranking=False, column="conversations"):
    """converter.py, SharegptDatasetConverter.__call__(). An example it finds
    broken is not fatal: it logs "Skipping this abnormal example." and the
    processors drop it ("Dropped invalid example"), so every problem here is a
    conversation that would silently not be trained on."""
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        # messages = example[self.dataset_attr.messages]
        if not isinstance(ex, dict) or not isinstance(ex.get(column), list):
            problems.append(_p("llamafactory:column", where, "needs a `%s` list" % column))
            continue
        messages = ex[column]
        if any(not isinstance(m, dict) or "from" not in m or "value" not in m for m in messages):
            # message[self.dataset_attr.role_tag] / [content_tag]: KeyError.
            problems.append(_p("llamafactory:message_keys", where, "every message needs `from` and `value`"))
            continue
        # A system turn is taken only when it is the first message:
        #   if ... messages[0][role_tag] == system_tag: system = ...; messages = messages[1:]
        if messages and messages[0]["from"] == "system":
            messages = messages[1:]
        # for turn_idx, message in enumerate(messages):
        #     if message[role_tag] not in accept_tags[turn_idx % 2]:
        #         logger.warning_rank0(f"Invalid role tag in {messages}."); broken_data = True
        # So a system turn anywhere else, two turns of one side in a row, or a
        # first turn from gpt breaks the example.
        for t, m in enumerate(messages):
            allowed = LF_ODD if t % 2 == 0 else LF_EVEN
            if m["from"] not in allowed:
                problems.append(_p("llamafactory:role_position", where,
                                   "turn %d is %r; position %s accepts %s" % (
                                       t + 1, m["from"], "odd" if t % 2 == 0 else "even", "/".join(allowed))))
                break
        else:
            # if (not ranking and len(aligned_messages) % 2 != 0) or
            #    (ranking and len(aligned_messages) % 2 == 0):
            #     logger.warning_rank0(f"Invalid message count in {messages}.")
            if (not ranking and len(messages) % 2 != 0) or (ranking and len(messages) % 2 == 0):
                problems.append(_p("llamafactory:message_count", where,
                                   "%d turns after the system turn; must be %s" % (
                                       len(messages), "odd (prompt only)" if ranking else "even (ends with gpt)")))
            elif not ranking and not messages:
                problems.append(_p("llamafactory:message_count", where, "no turns"))
            if ranking:
                for k in ("chosen", "rejected"):
                    v = ex.get(k)
                    if not isinstance(v, dict) or v.get("from") not in LF_EVEN or "value" not in v:
                        problems.append(_p("llamafactory:ranking", where, "`%s` must be a gpt message" % k))
    return problems


# src/llamafactory/extras/constants.py
LF_FILEEXT2TYPE = {"arrow": "arrow", "csv": "csv", "json": "json", "jsonl": "json",
                   "parquet": "parquet", "txt": "text"}


def check_llamafactory_file(path, ranking=False):
    """loader.py, _load_single_dataset(): `FILEEXT2TYPE.get(os.path.splitext(
    data_files[0])[-1][1:], None)` must be known ("Allowed file types: ...") and
    every file of a directory must have the same type ("File types should be
    identical."); the data is then read with datasets' json builder."""
    problems = []
    files = sorted(os.path.join(path, n) for n in os.listdir(path)) if os.path.isdir(path) else [path]
    types = [LF_FILEEXT2TYPE.get(os.path.splitext(f)[1][1:]) for f in files]
    if types[0] is None:
        problems.append(_p("llamafactory:file_type", path, "extension %r not in %s (a .gz is refused)"
                           % (os.path.splitext(files[0])[1], ",".join(LF_FILEEXT2TYPE))))
        return problems
    if any(t != types[0] for t in types):
        problems.append(_p("llamafactory:file_type", path, "File types should be identical"))
        return problems
    for f in files:
        if types[0] != "json":
            continue
        data, _ = _open_bytes(f)
        text = data.decode("utf-8")
        if text.lstrip().startswith("["):
            try:
                records = json.loads(text)
            except ValueError as e:
                problems.append(_p("llamafactory:json", f, "JSON array does not parse: %s" % e))
                continue
        else:
            records, parse = read_records(f)
            problems += [p.replace("[json]", "[llamafactory:json]") for p in parse]
        problems += check_llamafactory_sharegpt(records, ranking=ranking)
    return problems


# ---------------------------------------------------------------------------
# FastChat: fastchat/train/train.py
# ---------------------------------------------------------------------------

def check_fastchat(records):
    """train.py, preprocess(): `roles = {"human": conv.roles[0], "gpt": conv.roles[1]}`;
    `if roles[source[0]["from"]] != conv.roles[0]: source = source[1:]`
    ("Skip the first one if it is not from human"); then for every turn
    `assert role == conv.roles[j % 2], f"{i}"`. Any other `from` (system
    included) is a KeyError, an out-of-order turn an AssertionError: both stop
    training. Records come from SupervisedDataset/LazySupervisedDataset:
    `example["conversations"]`."""
    problems = []
    for i, ex in enumerate(records, 1):
        where = "record %d" % i
        if not isinstance(ex, dict) or not isinstance(ex.get("conversations"), list):
            problems.append(_p("fastchat:column", where, "needs a `conversations` list"))
            continue
        source = ex["conversations"]
        if not source:
            problems.append(_p("fastchat:empty", where, "empty conversation (source[0] raises IndexError)"))
            continue
        bad = [m for m in source if not isinstance(m, dict) or "from" not in m or "value" not in m]
        if bad:
            problems.append(_p("fastchat:column", where, "every turn needs `from` and `value`"))
            continue
        unknown = [m["from"] for m in source if m["from"] not in ("human", "gpt")]
        if unknown:
            problems.append(_p("fastchat:unknown_role", where, "from %r is not human/gpt (KeyError in roles[...])"
                               % unknown[0]))
            continue
        if source[0]["from"] != "human":
            problems.append(_p("fastchat:first_not_human", where, "first turn is from gpt; preprocess drops it"))
            source = source[1:]
        for j, m in enumerate(source):
            want = "human" if j % 2 == 0 else "gpt"
            if m["from"] != want:
                problems.append(_p("fastchat:alternation", where, "turn %d is %r where %r is required "
                                   "(AssertionError)" % (j + 1, m["from"], want)))
                break
    return problems


def check_fastchat_file(path):
    """train.py, make_supervised_data_module():
    `train_json = json.load(open(data_args.data_path, "r"))`: one JSON document
    (a list of records), plain text; JSON lines or gzip fail to load."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        return [_p("fastchat:json_array", path, "json.load fails (%s); FastChat needs one JSON array" % e)]
    if not isinstance(data, list):
        return [_p("fastchat:json_array", path, "the document is %s, not an array" % _tname(data))]
    return check_fastchat(data)


# ---------------------------------------------------------------------------
# Hugging Face datasets: load_dataset(DIR) with the json builder
# ---------------------------------------------------------------------------

class CardYAMLError(ValueError):
    pass


def _strip_comment(s):
    out, q = [], None
    for k, ch in enumerate(s):
        if q:
            out.append(ch)
            if ch == q:
                q = None
        elif ch in "'\"" and (k == 0 or s[k - 1] in " \t:[{,-"):
            q = ch
            out.append(ch)
        elif ch == "#" and (k == 0 or s[k - 1] in " \t"):
            break
        else:
            out.append(ch)
    return "".join(out).rstrip()


def _scalar(s, lineno):
    s = s.strip()
    if s == "" or s in ("~", "null", "Null", "NULL"):
        return None
    if s[0] == '"':
        if not s.endswith('"') or len(s) < 2:
            raise CardYAMLError("line %d: unterminated double-quoted string" % lineno)
        try:
            return json.loads(s)
        except ValueError:
            raise CardYAMLError("line %d: double-quoted string with escapes beyond JSON's" % lineno)
    if s[0] == "'":
        if not s.endswith("'") or len(s) < 2:
            raise CardYAMLError("line %d: unterminated single-quoted string" % lineno)
        return s[1:-1].replace("''", "'")
    if s[0] == "[":
        if not s.endswith("]"):
            raise CardYAMLError("line %d: multi-line flow sequence" % lineno)
        inner = s[1:-1].strip()
        if not inner:
            return []
        if any(c in inner for c in "[]{}"):
            raise CardYAMLError("line %d: nested flow collection" % lineno)
        return [_scalar(x, lineno) for x in _split_flow(inner, lineno)]
    if s[0] == "{":
        if s.replace(" ", "") == "{}":
            return OrderedDict()
        raise CardYAMLError("line %d: flow mapping" % lineno)
    if s[0] in "|>&*!%@`":
        raise CardYAMLError("line %d: %r (block scalar, anchor, tag...) is outside the supported subset"
                            % (lineno, s[0]))
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", s):
        return int(s)
    if re.fullmatch(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", s):
        return float(s)
    return s


def _split_flow(inner, lineno):
    parts, cur, q = [], [], None
    for ch in inner:
        if q:
            cur.append(ch)
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
            cur.append(ch)
        elif ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _split_key(content, lineno):
    """'key: value' or 'key:' -> (key, value-or-None); None when not a mapping entry."""
    q = None
    for k, ch in enumerate(content):
        if q:
            if ch == q:
                q = None
            continue
        if ch in "'\"" and k == 0:
            q = ch
            continue
        if ch == ":" and (k + 1 == len(content) or content[k + 1] in " \t"):
            key = _scalar(content[:k], lineno)
            if not isinstance(key, (str, int, bool)) or key is None:
                raise CardYAMLError("line %d: unsupported mapping key" % lineno)
            return str(key) if not isinstance(key, str) else key, content[k + 1:].strip()
    return None


def parse_card_yaml(text):
    """Parse the YAML subset described in the module docstring into
    OrderedDicts, lists and scalars. Raises CardYAMLError outside the subset.
    Duplicate keys are an error (datasets' _NoDuplicateSafeLoader refuses them,
    and a plain YAML loader would silently keep the last)."""
    lines = []
    for n, raw in enumerate(text.split("\n"), 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise CardYAMLError("line %d: tab in indentation" % n)
        s = _strip_comment(raw)
        if s.strip() == "":
            continue
        if s.strip() in ("---", "..."):
            raise CardYAMLError("line %d: document marker inside the header" % n)
        lines.append([len(s) - len(s.lstrip(" ")), s.strip(), n])
    if not lines:
        return OrderedDict()
    pos = [0]

    def parse_block(indent):
        if lines[pos[0]][1].startswith("- ") or lines[pos[0]][1] == "-":
            return parse_seq(indent)
        return parse_map(indent)

    def parse_value_after(indent, lineno, parent_is_map):
        # A key or dash with nothing after it: the value is the indented block
        # below, or (for a mapping key) a sequence at the same indentation.
        if pos[0] < len(lines):
            ind, content, _ = lines[pos[0]]
            if ind > indent:
                return parse_block(ind)
            if parent_is_map and ind == indent and (content.startswith("- ") or content == "-"):
                return parse_seq(ind)
        return None

    def parse_seq(indent):
        out = []
        while pos[0] < len(lines):
            ind, content, n = lines[pos[0]]
            if ind < indent:
                break
            if ind > indent:
                raise CardYAMLError("line %d: bad indentation" % n)
            if not (content.startswith("- ") or content == "-"):
                break
            rest = content[1:].lstrip(" ")
            if rest == "":
                pos[0] += 1
                out.append(parse_value_after(indent, n, False))
            elif rest.startswith("- "):
                raise CardYAMLError("line %d: nested '- -' sequence" % n)
            elif _split_key(rest, n) is not None:
                # "- key: value": a mapping whose first line starts after the dash.
                lines[pos[0]] = [ind + (len(content) - len(rest)), rest, n]
                out.append(parse_map(lines[pos[0]][0]))
            else:
                pos[0] += 1
                out.append(_scalar(rest, n))
        return out

    def parse_map(indent):
        out = OrderedDict()
        while pos[0] < len(lines):
            ind, content, n = lines[pos[0]]
            if ind < indent:
                break
            if ind > indent:
                raise CardYAMLError("line %d: bad indentation" % n)
            if content.startswith("- ") or content == "-":
                break
            kv = _split_key(content, n)
            if kv is None:
                raise CardYAMLError("line %d: expected 'key: value'" % n)
            key, value = kv
            if key in out:
                raise CardYAMLError("line %d: duplicate key %r" % (n, key))
            pos[0] += 1
            if value == "":
                out[key] = parse_value_after(indent, n, True)
            else:
                out[key] = _scalar(value, n)
        return out

    result = parse_block(lines[0][0])
    if pos[0] != len(lines):
        raise CardYAMLError("line %d: unexpected content" % lines[pos[0]][2])
    return result


def read_card(path):
    """huggingface_hub RepoCard / datasets utils/metadata.py _split_yaml_from_readme():
    the YAML is the block between a first line '---' and the next '---' line.
    Returns (mapping or None, problems)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        return None, []
    end = lines[1:].index("---") + 1
    try:
        data = parse_card_yaml("\n".join(lines[1:end]))
    except CardYAMLError as e:
        return None, [_p("hf:card_yaml", path, str(e))]
    if not isinstance(data, dict):
        return None, [_p("hf:card_yaml", path, "the header is not a mapping")]
    return data, []


# --- data_files.py: how files are found and assigned to splits --------------

# data_files.py: SPLIT_KEYWORDS, NON_WORDS_CHARS and, for fsspec >= 2023.12.0,
# KEYWORDS_IN_FILENAME_BASE_PATTERNS / KEYWORDS_IN_DIR_NAME_BASE_PATTERNS.
HF_SPLIT_KEYWORDS = OrderedDict([
    ("train", ["train", "training"]),
    ("validation", ["validation", "valid", "dev", "val"]),
    ("test", ["test", "testing", "eval", "evaluation"]),
])
HF_NON_WORDS_CHARS = "-._ 0-9"
HF_FILENAME_PATTERNS = ["**/{keyword}[{sep}]*", "**/*[{sep}]{keyword}[{sep}]*"]
HF_DIRNAME_PATTERNS = ["**/{keyword}/**", "**/{keyword}[{sep}]*/**", "**/*[{sep}]{keyword}/**",
                       "**/*[{sep}]{keyword}[{sep}]*/**"]
HF_SPLIT_PATTERN_SHARDED = "data/{split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*"
# data_files.py: FILES_TO_IGNORE
HF_FILES_TO_IGNORE = ["README.md", "config.json", "dataset_info.json", "dataset_infos.json",
                      "dummy_data.zip", "dataset_dict.json"]
# naming.py: _split_re = r"^\w+(\.\w+)*$" (checked in metadata.py and splits.py):
HF_SPLIT_RE = re.compile(r"^\w+(\.\w+)*$")
# packaged_modules/__init__.py: _EXTENSION_TO_MODULE (the data formats; the
# image/audio/video/... folder extensions are left out here) plus ".zip".
HF_EXTENSION_TO_MODULE = {
    ".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".parquet": "parquet", ".geoparquet": "parquet", ".gpq": "parquet", ".arrow": "arrow",
    ".txt": "text", ".conll": "conll", ".conllu": "conll", ".tar": "webdataset", ".xml": "xml",
    ".hdf5": "hdf5", ".h5": "hdf5", ".eval": "eval", ".lance": "lance", ".tsfile": "tsfile",
    ".png": "imagefolder", ".jpg": "imagefolder", ".jpeg": "imagefolder", ".webp": "imagefolder",
    ".wav": "audiofolder", ".mp3": "audiofolder", ".flac": "audiofolder", ".mp4": "videofolder",
    ".pdf": "pdffolder",
}
HF_ALLOWED_EXTENSIONS = set(HF_EXTENSION_TO_MODULE) | {".zip"}
# json/json.py, JsonConfig: chunksize: int = 10 << 20  # 10MB
HF_JSON_CHUNKSIZE = 10 << 20
# dlgconv's own files beside the splits (README "Output"): never data.
DLGCONV_SIDE_FILES = ("rejects.jsonl", "manifest.json", "provenance.jsonl")


def _glob_regex(pattern):
    """fsspec >= 2023.12 glob, as data_files.resolve_pattern() documents it:
    '*' matches anything but '/', '**' as a whole path segment any number of
    directories (including none)."""
    out, k, n = [], 0, len(pattern)
    while k < n:
        if pattern.startswith("**/", k) and (k == 0 or pattern[k - 1] == "/"):
            out.append("(?:[^/]*/)*")
            k += 3
        elif pattern.startswith("/**", k) and k + 3 == n:
            out.append("/.+")
            k += 3
        elif pattern.startswith("**", k):
            out.append(".*")
            k += 2
        elif pattern[k] == "*":
            out.append("[^/]*")
            k += 1
        elif pattern[k] == "?":
            out.append("[^/]")
            k += 1
        elif pattern[k] == "[":
            j = pattern.find("]", k + 2)
            if j < 0:
                out.append(re.escape("["))
                k += 1
                continue
            body = pattern[k + 1:j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            k = j + 1
        else:
            out.append(re.escape(pattern[k]))
            k += 1
    return re.compile("".join(out) + r"\Z")


def _walk(base):
    found = []
    for root, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            found.append(os.path.relpath(os.path.join(root, name), base).replace(os.sep, "/"))
    return found


def _hidden_count(rel):
    return len([p for p in rel.split("/") if p.startswith(".") and set(p) != {"."}])


def _special_count(rel):
    return len([p for p in rel.split("/")[:-1] if p.startswith("__")])


def _resolve(pattern, base, files):
    """data_files.py, resolve_pattern(): glob, drop FILES_TO_IGNORE (unless named
    by the pattern), hidden files/dirs and __special__ dirs the pattern does not
    name, and keep files with an allowed extension anywhere in their name:
    `any("." + suffix in allowed_extensions for suffix in xbasename(filepath).split(".")[1:])`
    (so train.jsonl.gz is kept for its ".jsonl")."""
    rx = _glob_regex(pattern)
    ignore = set(HF_FILES_TO_IGNORE) - {pattern.rsplit("/", 1)[-1]}
    out = []
    for rel in files:
        if not rx.match(rel):
            continue
        name = rel.rsplit("/", 1)[-1]
        if name in ignore:
            continue
        if _hidden_count(rel) != _hidden_count(pattern) or _special_count(rel) != _special_count(pattern):
            continue
        if any("." + s in HF_ALLOWED_EXTENSIONS for s in name.split(".")[1:]):
            out.append(rel)
    return out


def _default_split_patterns(files):
    """data_files.py, _get_data_files_patterns(): the sharded pattern first,
    then ALL_DEFAULT_PATTERNS in order (logs, split in dir name, split in file
    name, everything as train); the first group where some split matches wins,
    with only its non-empty splits."""
    sharded = _resolve(HF_SPLIT_PATTERN_SHARDED.replace("{split}", "*"), None, files)
    if sharded:
        splits = OrderedDict()
        for rel in sharded:
            m = re.match(r"(.*)-[0-9]{5}-of-[0-9]{5}", rel.rsplit("/", 1)[-1])
            splits.setdefault(m.group(1), [HF_SPLIT_PATTERN_SHARDED.format(split=m.group(1))])
        order = [s for s in HF_SPLIT_KEYWORDS if s in splits] + sorted(s for s in splits if s not in HF_SPLIT_KEYWORDS)
        return OrderedDict((s, splits[s]) for s in order)
    groups = [
        OrderedDict([("logs", ["**/*.eval"])]),
        OrderedDict((s, [p.format(keyword=k, sep=HF_NON_WORDS_CHARS) for k in kws for p in HF_DIRNAME_PATTERNS])
                    for s, kws in HF_SPLIT_KEYWORDS.items()),
        OrderedDict((s, [p.format(keyword=k, sep=HF_NON_WORDS_CHARS) for k in kws for p in HF_FILENAME_PATTERNS])
                    for s, kws in HF_SPLIT_KEYWORDS.items()),
        OrderedDict([("train", ["**"])]),
    ]
    for group in groups:
        chosen = OrderedDict((s, pats) for s, pats in group.items() if any(_resolve(p, None, files) for p in pats))
        if chosen:
            return chosen
    return OrderedDict()


def _files_for(patterns, files):
    out = []
    for p in patterns:
        for rel in _resolve(p, None, files):
            if rel not in out:
                out.append(rel)
    return out


def _module_for(rels):
    """load.py, infer_module_for_data_files_list(): the most common suffix
    (".jsonl" beats ".gz" in a draw: the sort key prefers parquet, lance,
    arrow, jsonl, json, csv, then alphabetical order)."""
    count = {}
    for rel in rels:
        for s in rel.rsplit("/", 1)[-1].split(".")[1:]:
            count["." + s.lower()] = count.get("." + s.lower(), 0) + 1
    pref = [".parquet", ".lance", ".arrow", ".jsonl", ".json", ".csv"]
    for ext, _ in sorted(count.items(), key=lambda kv: (kv[1],) + tuple(kv[0] == p for p in pref) + (kv[0],),
                         reverse=True):
        if ext in HF_EXTENSION_TO_MODULE:
            return HF_EXTENSION_TO_MODULE[ext]
    return None


# --- features: features.py Features._from_yaml_list() -------------------------

HF_VALUE_DTYPES = {
    "null", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "string", "large_string", "binary", "large_binary",
}


def _feature_from_yaml(obj, where):
    """features.py, Features._from_yaml_list(), from_yaml_inner(): after `name`
    is popped, the FIRST key of each entry names its type (`_type =
    next(iter(obj))`): dtype, list, large_list, sequence, struct, or another
    feature name (class_label...). Returns ("value", dtype) | ("list", f) |
    ("struct", OrderedDict) | ("other", name)."""
    if isinstance(obj, list):
        fields = OrderedDict()
        for k, entry in enumerate(obj, 1):
            if not isinstance(entry, dict) or "name" not in entry:
                raise CardYAMLError("%s, entry %d: needs `name`" % (where, k))
            entry = OrderedDict(entry)
            name = str(entry.pop("name"))
            if name in fields:
                raise CardYAMLError("%s: feature %r twice" % (where, name))
            fields[name] = _feature_from_yaml(entry, "%s.%s" % (where, name))
        return ("struct", fields)
    if not isinstance(obj, dict) or not obj:
        raise CardYAMLError("%s: a feature must be a mapping with a type key" % where)
    t = next(iter(obj))
    v = obj[t]
    if t == "dtype":
        if isinstance(v, str):
            return ("value", v) if v in HF_VALUE_DTYPES else ("other", v)
        return _feature_from_yaml(v, where)
    if t in ("list", "large_list"):
        # unsimplify(): `list: string` means `list: {dtype: string}`.
        if isinstance(v, str):
            return ("list", _feature_from_yaml({"dtype": v}, where))
        return ("list", _feature_from_yaml(v, where))
    if t == "sequence":
        # Backward compatibility: `sequence:` over a list of fields is NOT a list
        # of structs but a struct of lists:
        #   return {name: {"feature": _subfeature, **obj, "_type": "List"} ...}
        if isinstance(v, list):
            inner = _feature_from_yaml(v, where)[1]
            return ("struct", OrderedDict((k, ("list", f)) for k, f in inner.items()))
        if isinstance(v, str):
            return ("list", _feature_from_yaml({"dtype": v}, where))
        return ("list", _feature_from_yaml(v, where))
    if t == "struct":
        return _feature_from_yaml(v, where)
    if t in ("class_label", "translation", "translation_variable_languages", "array2_d", "array3_d",
             "array4_d", "array5_d", "audio", "image", "video", "pdf", "json"):
        return ("other", t)
    raise CardYAMLError("%s: %r is not a feature type (the first key after `name` must be dtype, list, "
                        "struct, ...)" % (where, t))


def _feature_str(f):
    kind = f[0]
    if kind in ("value", "other"):
        return f[1]
    if kind == "list":
        return "list<%s>" % _feature_str(f[1])
    return "{%s}" % ", ".join("%s: %s" % (k, _feature_str(v)) for k, v in f[1].items())


def _check_value(v, f, where, problems, strict_missing):
    """Strict version of table.py cast_array_to_feature()/array_cast():
    - a struct (dict) may only have declared fields: `array_fields <= set(feature)`,
      else "Couldn't cast array of type struct<...>"; a missing field is filled
      with null (reported unless strict_missing is false, and so is a null);
    - a list needs a list;
    - scalars must already have the declared type (datasets would cast an int
      to a string, but fail string->int64 unless the text is a number and
      anything->null)."""
    kind = f[0]
    if kind == "other":
        return
    if v is None:
        # a null is what datasets fills a missing field with: it loads as None
        if strict_missing:
            problems.append(_p("hf:type", where, "null where %s is declared" % _feature_str(f)))
        return
    if kind == "value":
        dt = f[1]
        ok = {
            "null": False,
            "bool": isinstance(v, bool),
            "string": isinstance(v, str), "large_string": isinstance(v, str),
            "binary": isinstance(v, str), "large_binary": isinstance(v, str),
        }.get(dt)
        if ok is None:
            if dt.startswith(("int", "uint")):
                ok = isinstance(v, int) and not isinstance(v, bool)
            else:
                ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        if not ok:
            problems.append(_p("hf:type", where, "%s where %s is declared" % (_tname(v), dt)))
        return
    if kind == "list":
        if not isinstance(v, list):
            problems.append(_p("hf:type", where, "%s where %s is declared" % (_tname(v), _feature_str(f))))
            return
        for k, x in enumerate(v):
            _check_value(x, f[1], "%s[%d]" % (where, k), problems, strict_missing)
        return
    if not isinstance(v, dict):
        problems.append(_p("hf:type", where, "%s where %s is declared" % (_tname(v), _feature_str(f))))
        return
    extra = [k for k in v if k not in f[1]]
    if extra:
        problems.append(_p("hf:extra_field", where, "field(s) %s not declared (TypeError: Couldn't cast)"
                           % ", ".join(map(repr, extra))))
    for k, sub in f[1].items():
        if k in v:
            _check_value(v[k], sub, "%s.%s" % (where, k), problems, strict_missing)
        elif strict_missing:
            problems.append(_p("hf:missing_field", where, "field %r missing (datasets fills null)" % k))


# --- type inference without declared features (json.py + pyarrow) ------------

def _infer(v):
    """Arrow type pyarrow's JSON reader gives a JSON value: null, bool, int64,
    double, string, list<T> (an empty list is list<null>), struct{...}."""
    if v is None:
        return ("null",)
    if isinstance(v, bool):
        return ("bool",)
    if isinstance(v, int):
        return ("int64",)
    if isinstance(v, float):
        return ("double",)
    if isinstance(v, str):
        return ("string",)
    if isinstance(v, list):
        t = ("null",)
        for x in v:
            t = _unify(t, _infer(x))
        return ("list", t)
    fields = OrderedDict((k, _infer(x)) for k, x in v.items())
    return ("struct", fields)


class _Conflict(Exception):
    pass


def _unify(a, b):
    """Type unification within one read_json() batch: null promotes to
    anything, int64 to double, structs gain fields; anything else is pyarrow's
    "JSON parse error: Column(...) changed from X to Y"."""
    if a[0] == "null":
        return b
    if b[0] == "null":
        return a
    if a == b:
        return a
    if {a[0], b[0]} == {"int64", "double"}:
        return ("double",)
    if a[0] == b[0] == "list":
        return ("list", _unify(a[1], b[1]))
    if a[0] == b[0] == "struct":
        out = OrderedDict(a[1])
        for k, t in b[1].items():
            out[k] = _unify(out[k], t) if k in out else t
        return ("struct", out)
    raise _Conflict("%s vs %s" % (_type_str(a), _type_str(b)))


def _type_str(t):
    if t[0] == "list":
        return "list<%s>" % _type_str(t[1])
    if t[0] == "struct":
        return "struct<%s>" % ", ".join("%s: %s" % (k, _type_str(v)) for k, v in t[1].items())
    return t[0]


def _castable(t, s, path):
    """Would cast_array_to_feature() turn a batch of type t into schema s?
    Returns None or the reason it raises."""
    if t[0] == "null":
        return None
    if s[0] == "null":
        # array_cast(): `if pa.types.is_null(pa_type) and not pa.types.is_null(array.type):
        #     raise TypeError(f"Couldn't cast array of type ... to null")`
        return "%s: %s cannot be cast to null (the first batch only had null/empty values there)" % (
            path, _type_str(t))
    if t[0] == "struct":
        if s[0] != "struct":
            return "%s: struct cannot be cast to %s" % (path, _type_str(s))
        extra = [k for k in t[1] if k not in s[1]]
        if extra and not path:
            # table.py, cast_table_to_schema(): "because column names don't match"
            return "column(s) %s not in the columns inferred from the first batch (CastError: column names " \
                   "don't match)" % ", ".join(extra)
        if extra:
            return "%s: field(s) %s not in the struct inferred from the first batch" % (path, ", ".join(extra))
        for k, sub in t[1].items():
            r = _castable(sub, s[1][k], "%s.%s" % (path, k))
            if r:
                return r
        return None
    if t[0] == "list":
        if s[0] != "list":
            return "%s: list cannot be cast to %s" % (path, _type_str(s))
        return _castable(t[1], s[1], path + "[]")
    if s[0] in ("list", "struct"):
        return "%s: %s cannot be cast to %s" % (path, t[0], _type_str(s))
    if t == s or (t[0] == "int64" and s[0] == "double"):
        return None
    if s[0] == "string":
        return None  # allow_primitive_to_str=True
    return "%s: %s where %s was inferred" % (path, t[0], s[0])


def _mixed_struct_paths(examples, path=(), allow_root=False):
    """utils/json.py, find_mixed_struct_types_field_paths() on the first batch:
    objects at one path with different key sets (or empty objects) are stored
    as JSON strings (on_mixed_types="use_json"), not as structs."""
    out = []
    todo = [(list(path), [e for e in examples if e is not None])]
    while todo:
        p, content = todo.pop(0)
        if not content:
            continue
        if all(isinstance(x, dict) for x in content):
            if (allow_root or p) and (any(set(x) != set(content[0]) for x in content) or not content[0]):
                out.append(p)
            else:
                for sub in sorted({k for x in content for k in x}):
                    vals = [x[sub] for x in content if sub in x and x[sub] is not None]
                    if vals:
                        todo.append((p + [sub], vals))
        elif all(isinstance(x, list) for x in content):
            vals = [y for x in content for y in x if y is not None]
            if vals:
                todo.append((p + ["[]"], vals))
        elif any(isinstance(x, (dict, list)) for x in content):
            out.append(p)
    return out


def _read_split_file(path):
    """Returns (records with (line, byte offset of the line), problems)."""
    problems = []
    try:
        data, _ = _open_bytes(path)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        return [], [_p("hf:unreadable", path, str(e))]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.lstrip().startswith(b"["):
        try:
            arr = json.loads(data.decode("utf-8"))
        except ValueError as e:
            return [], [_p("hf:unreadable", path, "JSON array does not parse: %s" % e)]
        return [(k + 1, 0, x) for k, x in enumerate(arr)], []
    out, offset = [], 0
    for n, line in enumerate(data.split(b"\n"), 1):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        try:
            out.append((n, start, json.loads(line.decode("utf-8"))))
        except (ValueError, UnicodeDecodeError) as e:
            problems.append(_p("hf:unreadable", "%s:%d" % (path, n), "not JSON: %s" % e))
    for n, _, v in out:
        if not isinstance(v, dict):
            problems.append(_p("hf:unreadable", "%s:%d" % (path, n), "a %s, not an object" % _tname(v)))
    return [r for r in out if isinstance(r[2], dict)], problems


def check_hf_directory(path, strict_missing=True):
    """`datasets.load_dataset(path)` on a local directory of JSON-lines files
    (load.py, LocalDatasetModuleFactory.get_module(), then the json builder,
    packaged_modules/json/json.py). strict_missing=False accepts records that
    lack a declared column or field (datasets fills it with null)."""
    problems = []
    if not os.path.isdir(path):
        return [_p("hf:configs", path, "not a directory")]
    files = _walk(path)
    card, cp = (None, [])
    if os.path.isfile(os.path.join(path, "README.md")):
        card, cp = read_card(os.path.join(path, "README.md"))
        problems += cp
        if cp:
            return problems
    if os.path.exists(os.path.join(path, ".huggingface.yaml")):
        # load.py: a standalone .huggingface.yaml is merged over the card's YAML.
        problems.append(_p("hf:card_yaml", path, ".huggingface.yaml overrides the card; not checked here"))
    card = card or {}

    # ---- which config, which files per split ---------------------------------
    # utils/metadata.py, MetadataConfigs.from_dataset_card_data():
    #   "Expected configs to be a list"; "Each config must include `config_name`";
    #   _raise_if_data_files_field_not_valid(): data_files is a string, a list of
    #   strings, or a list of {split, path} (exactly those two keys; split
    #   matching _split_re; path a string or a list).
    configs = card.get("configs")
    config_name, config, data_dir = None, None, ""
    if configs:
        if not isinstance(configs, list):
            return problems + [_p("hf:configs", "README.md", "`configs` must be a list")]
        names = []
        for k, c in enumerate(configs, 1):
            if not isinstance(c, dict) or "config_name" not in c:
                problems.append(_p("hf:configs", "README.md", "configs entry %d has no `config_name`" % k))
                continue
            names.append(c["config_name"])
        # get_default_config_name(): the only config, or the one named "default",
        # or the one with `default: true`; two candidates raise "Dataset has
        # several default configs"; none makes load_dataset(path) without a
        # name fail.
        cands = [c for c in configs if isinstance(c, dict) and "config_name" in c and
                 (len(configs) == 1 or c["config_name"] == "default" or c.get("default"))]
        if len(cands) != 1:
            problems.append(_p("hf:configs", "README.md", "%s default config (names: %s)"
                               % ("no" if not cands else "more than one", ", ".join(map(str, names)))))
            if not cands:
                return problems
        config = cands[0]
        config_name = config["config_name"]
        data_dir = config.get("data_dir") or ""
    if config is not None and "data_files" in config and config["data_files"] is None:
        # `data_files:` with no entry (YAML null). Observed with datasets 5.0.1 on a dataset
        # dlgconv wrote with no record: load_dataset(dir) raises a TypeError, naming nothing.
        return problems + [_p("hf:configs", "README.md", "data_files has no entry: "
                              "load_dataset raises TypeError")]
    if config is not None and config.get("data_files") is not None:
        df = config["data_files"]
        # data_files.py, sanitize_patterns()
        if isinstance(df, str):
            patterns = OrderedDict([("train", [df])])
        elif isinstance(df, list) and all(isinstance(x, str) for x in df):
            patterns = OrderedDict([("train", list(df))])
        elif isinstance(df, list) and all(isinstance(x, dict) for x in df):
            patterns = OrderedDict()
            for x in df:
                if set(x) != {"split", "path"} or not isinstance(x["path"], (str, list)):
                    problems.append(_p("hf:configs", "README.md", "data_files entry %r must have exactly "
                                       "`split` and `path`" % (x,)))
                    continue
                split = str(x["split"])
                if split in patterns:
                    problems.append(_p("hf:configs", "README.md", "split %r listed twice" % split))
                patterns[split] = x["path"] if isinstance(x["path"], list) else [x["path"]]
        else:
            return problems + [_p("hf:configs", "README.md", "data_files must be a string, a list of strings "
                                  "or a list of {split, path}")]
        prefix = (data_dir.rstrip("/") + "/") if data_dir else ""
        split_files = OrderedDict()
        for split, pats in patterns.items():
            got = []
            for p in pats:
                r = _resolve(prefix + p, None, files)
                if not r:
                    # resolve_pattern(): raise FileNotFoundError(f"Unable to find '{pattern}'")
                    problems.append(_p("hf:data_files_missing", "split %s" % split,
                                       "pattern %r matches no data file" % p))
                got += [x for x in r if x not in got]
            split_files[split] = got
        declared_by_card = True
    else:
        sub = [f[len(data_dir.rstrip("/")) + 1:] for f in files if f.startswith(data_dir.rstrip("/") + "/")] \
            if data_dir else files
        split_patterns = _default_split_patterns(sub)
        split_files = OrderedDict((s, [(data_dir.rstrip("/") + "/" + f) if data_dir else f
                                       for f in _files_for(pats, sub)])
                                  for s, pats in split_patterns.items())
        declared_by_card = False
        if not split_files:
            # get_data_patterns(): EmptyDatasetError "doesn't contain any data files"
            return problems + [_p("hf:data_files_missing", path, "no data file found")]

    # Split names: naming.py _split_re.
    for split in split_files:
        if not HF_SPLIT_RE.match(split):
            problems.append(_p("hf:split_name", "split %s" % split, "does not match %s" % HF_SPLIT_RE.pattern))

    # One module for every split (load.py, infer_module_for_data_files():
    # "Couldn't infer the same data file format for all splits"), and it must
    # be json; then DataFilesList.filter() keeps only `.*(\.json|\.jsonl|\.ndjson|\.zip)(\..+)?$`.
    modules = {s: _module_for(fs) for s, fs in split_files.items() if fs}
    if len(set(modules.values())) > 1:
        problems.append(_p("hf:module", path, "splits infer different builders: %s" % modules))
    elif modules and set(modules.values()) != {"json"}:
        problems.append(_p("hf:module", path, "builder %s, not json" % next(iter(modules.values()))))
    keep = re.compile(r".*(\.json|\.jsonl|\.ndjson|\.zip)(\..+)?$")
    for s in split_files:
        split_files[s] = [f for f in split_files[s] if keep.match(f)]

    # Which data files are (not) picked up.
    used = {}
    for s, fs in split_files.items():
        for f in fs:
            if f in used and used[f] != s:
                problems.append(_p("hf:stray_file", f, "read by splits %s and %s" % (used[f], s)))
            used[f] = s
    stems = OrderedDict()
    for f in files:
        name = f.rsplit("/", 1)[-1]
        if name in DLGCONV_SIDE_FILES and f in used:
            problems.append(_p("hf:stray_file", f, "dlgconv's %s would be loaded as split %s" % (name, used[f])))
        elif name in HF_FILES_TO_IGNORE or name in DLGCONV_SIDE_FILES or f.startswith("."):
            continue
        elif keep.match(f) and f not in used:
            # Without a card, a split whose name has no train/validation/test
            # keyword is silently left out; with one, a file it does not list.
            problems.append(_p("hf:unassigned_file", f, "data file read by no split"))
        elif f in used:
            stems.setdefault(used[f], []).append(name.split(".")[0])
    if not declared_by_card:
        # Keyword matching (no card) maps dev -> validation and eval -> test,
        # and puts every file whose name holds the keyword in that split:
        # train.jsonl.gz and train_small.jsonl.gz both become "train".
        for split, ss in stems.items():
            if len(set(ss)) > 1:
                problems.append(_p("hf:merged_splits", "split %s" % split, "files of different splits (%s) are "
                                   "read as one split" % ", ".join(sorted(set(ss)))))
            elif ss[0] != split and ss[0] not in HF_SPLIT_KEYWORDS.get(split, []):
                problems.append(_p("hf:merged_splits", "split %s" % split, "%s files are read as split %s"
                                   % (ss[0], split)))

    # ---- features ----------------------------------------------------------
    # load.py: `info = dataset_module.dataset_infos.get(config_name)`; the card's
    # dataset_info is keyed by its own `config_name` ("default" when absent)
    # (info.py, DatasetInfosDict.from_dataset_card_data()). When one matches,
    # it becomes the builder's info and its features are used; otherwise a
    # `features:` key in the configs entry (JsonConfig.features); otherwise the
    # json builder infers them from the first batch (json.py,
    # _split_generators(): `if self.info.features is None:`).
    infos = card.get("dataset_info")
    info_by_name = OrderedDict()
    if isinstance(infos, dict):
        info_by_name[infos.get("config_name", "default")] = infos
    elif isinstance(infos, list):
        for x in infos:
            if isinstance(x, dict):
                info_by_name[x.get("config_name", "default")] = x
    want = config_name if config_name is not None else (next(iter(info_by_name)) if len(info_by_name) == 1
                                                         else None)
    info = info_by_name.get(want) if want is not None else None
    if info_by_name and info is None:
        problems.append(_p("hf:features_unused", "README.md", "dataset_info is for config(s) %s but the loaded "
                           "config is %r: its features and splits are ignored"
                           % (", ".join(map(str, info_by_name)), config_name)))
    features_yaml = None
    if info is not None:
        features_yaml = info.get("features")
    elif config is not None and config.get("features") is not None:
        features_yaml = config["features"]
    features = None
    if features_yaml is not None:
        try:
            features = _feature_from_yaml(features_yaml, "features")
        except CardYAMLError as e:
            problems.append(_p("hf:features_syntax", "README.md", str(e)))
            return problems
        if features[0] != "struct":
            problems.append(_p("hf:features_syntax", "README.md", "features must be a list of named features"))
            return problems

    # ---- records -------------------------------------------------------------
    counts = OrderedDict()
    schema, first_batch_done = None, False
    for split, fs in split_files.items():
        counts[split] = 0
        for f in fs:
            recs, rp = _read_split_file(os.path.join(path, f))
            problems += rp
            counts[split] += len(recs)
            if features is not None:
                cols = features[1]
                for n, _, r in recs:
                    where = "%s:%d" % (f, n)
                    extra = [k for k in r if k not in cols]
                    if extra:
                        # table.py, cast_table_to_schema(): "Couldn't cast ... because
                        # column names don't match" (DatasetGenerationCastError).
                        problems.append(_p("hf:extra_column", where, "column(s) %s not declared"
                                           % ", ".join(map(repr, extra))))
                    missing = [k for k in cols if k not in r]
                    if missing and strict_missing:
                        # json.py, _cast_table(): "# adding missing columns" as nulls.
                        problems.append(_p("hf:missing_column", where, "column(s) %s missing (datasets fills null)"
                                           % ", ".join(map(repr, missing))))
                    for k, sub in cols.items():
                        if k in r:
                            _check_value(r[k], sub, "%s %s" % (where, k), problems, strict_missing)
                continue
            if not recs:
                continue
            if not first_batch_done:
                # The schema comes from the first table of the first split's
                # first file: `f.read(self.config.chunksize)` plus the rest of
                # the line. Types unify within it; a conflict there makes 5.x
                # JSON-encode that column (on_mixed_types="use_json").
                first = [r for r in recs if r[1] < HF_JSON_CHUNKSIZE]
                rest = [r for r in recs if r[1] >= HF_JSON_CHUNKSIZE]
                for p in _mixed_struct_paths([r[2] for r in first]):
                    problems.append(_p("hf:mixed_struct", f, "objects at %s have different keys: stored as JSON "
                                       "strings, not structs" % "/".join(map(str, p))))
                schema = ("struct", OrderedDict())
                for n, _, r in first:
                    try:
                        schema = _unify(schema, _infer(r))
                    except _Conflict as e:
                        problems.append(_p("hf:type_drift", "%s:%d" % (f, n), "type changes inside the first "
                                           "batch (%s): the column becomes JSON strings" % e))
                first_batch_done = True
                recs = rest
            for n, _, r in recs:
                bad = _castable(_infer(r), schema, "")
                if bad:
                    problems.append(_p("hf:type_drift", "%s:%d" % (f, n), bad.lstrip(": ").lstrip(".")
                                       + " (DatasetGenerationCastError/TypeError)"))
    for split, n in counts.items():
        if n == 0 and split_files[split]:
            # arrow_reader.py, make_file_instructions() skips files whose take is 0
            # and BaseReader.read() then raises
            #   ValueError(f'Instruction "{instructions}" corresponds to no data!')
            # (without declared features the writer raises SchemaInferenceError
            # first: "Please pass `features` or at least one example").
            problems.append(_p("hf:empty_split", "split %s" % split, "no records in %s: load_dataset raises "
                               "'Instruction \"%s\" corresponds to no data!'" % (", ".join(split_files[split]),
                                                                                 split)))

    # dataset_info.splits, when declared, is verified (utils/info_utils.py,
    # verify_splits(): ExpectedMoreSplitsError / UnexpectedSplitsError /
    # NonMatchingSplitsSizesError on num_examples).
    if info is not None and info.get("splits") is not None:
        declared = OrderedDict()
        for s in info["splits"] if isinstance(info["splits"], list) else []:
            if isinstance(s, dict) and "name" in s:
                declared[str(s["name"])] = s.get("num_examples")
        if set(declared) != set(counts):
            problems.append(_p("hf:splits_info", "README.md", "dataset_info.splits names %s, data has %s"
                               % (sorted(declared), sorted(counts))))
        for s, n in declared.items():
            if s in counts and n is not None and n != counts[s]:
                problems.append(_p("hf:splits_info", "README.md", "split %s declares num_examples %s, has %d"
                                   % (s, n, counts[s])))
    return problems


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _records_or_problems(path, tag):
    try:
        records, parse = read_records(path)
    except (OSError, UnicodeDecodeError, EOFError) as e:
        return [], [_p(tag + ":json", path, str(e))]
    return records, [p.replace("[json]", "[%s:json]" % tag) for p in parse]


def _run_records(check, tag):
    def run(path):
        records, problems = _records_or_problems(path, tag)
        return problems + check(records)
    return run


COMMANDS = OrderedDict([
    ("openai", check_openai_file),
    ("openai-preference", _run_records(check_openai_preference, "openai-pref")),
    ("together", check_together_file),
    ("together-preference", lambda p: check_together_file(p, "preference_openai")),
    ("trl-preference", _run_records(check_trl_preference, "trl")),
    ("trl-tools", _run_records(check_trl_tools, "trl")),
    ("openai-tools", _run_records(check_openai_tools, "openai")),
    ("llamafactory", check_llamafactory_file),
    ("fastchat", check_fastchat_file),
    ("hf", check_hf_directory),
])


def main(argv):
    if len(argv) < 3 or argv[1] not in COMMANDS:
        sys.stderr.write("usage: %s {%s} [--allow-missing] PATH...\n" % (argv[0], ",".join(COMMANDS)))
        return 2
    cmd, args = argv[1], argv[2:]
    strict = True
    if "--allow-missing" in args:
        if cmd != "hf":
            sys.stderr.write("--allow-missing applies to hf only\n")
            return 2
        strict = False
        args = [a for a in args if a != "--allow-missing"]
    if not args:
        sys.stderr.write("no PATH given\n")
        return 2
    total = 0
    limit = 50
    for path in args:
        if cmd == "hf":
            problems = check_hf_directory(path, strict_missing=strict)
        else:
            problems = COMMANDS[cmd](path)
        total += len(problems)
        for p in problems[:limit]:
            print("%s: %s" % (path, p))
        if len(problems) > limit:
            by_rule = {}
            for p in problems:
                for r in rule_ids([p]):
                    by_rule[r] = by_rule.get(r, 0) + 1
            print("%s: ... %d more; by rule: %s" % (path, len(problems) - limit,
                                                     ", ".join("%s %d" % kv for kv in sorted(by_rule.items()))))
        if not problems:
            print("%s: accepted by %s" % (path, cmd))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
