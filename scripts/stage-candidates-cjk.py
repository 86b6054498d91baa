#!/usr/bin/env python3
"""List every candidate stage-direction span of the CJK labelled set's excerpts.

  scripts/stage-candidates-cjk.py CPSYCOUN_DATA SMILE_DATA DPO_ZH_DEMO_JSON \\
      [--check fixtures/stage/labelled-zh.jsonl]

CPSYCOUN_DATA is CPsyCoun's `CPsyCounD/Data` directory, SMILE_DATA SMILECHAT's `data`
directory, DPO_ZH_DEMO_JSON LLaMA-Factory's `data/dpo_zh_demo.json`
(fixtures/stage/SOURCES.md, "The CJK set"). Prints one JSON object per candidate, with the
fields of labelled.jsonl and "lang": "zh"; --check compares a labelled file with them
(ignoring label and why) and exits 1 when they differ.
"""
import argparse, json, os, re, sys

# '*' or '_' as in the first set (not after a letter, digit or the same delimiter); a
# full-width （…） or 【…】 closed on its line with no opener of its kind inside, 1-40
# characters inside.
STAR = re.compile(r'(?<![*_\w])([*_])(?=[^\s*_])(.{1,198}?)(?<=\S)\1(?![*_\w])')
BRACKET = re.compile(r'（[^（）\n]{1,40}）|【[^【】\n]{1,40}】')
CASES, SMILE_FILES, DPO_RECORDS, DPO_STAR_RECORDS = 800, 400, 60, 200


def spans(line):
    found = [(m.start(), m.end()) for m in BRACKET.finditer(line)]
    found += [(m.start(), m.end()) for m in STAR.finditer(line) if len(m.group(0).encode()) <= 200]
    return sorted(found)


class Candidates:
    def __init__(self):
        self.entries, self.seen = [], {}

    def add_turn(self, source, where, text):
        lines = text.split('\n')
        for li, line in enumerate(lines):
            for a, b in spans(line):
                before = '\n'.join(lines[:li]) + line[:a]
                after = line[b:] + '\n'.join(lines[li + 1:])
                start, end = len(line[:a].encode()), len(line[:b].encode())
                key = (line, start, before.strip() == '', after.strip() == '')
                if key in self.seen:
                    self.entries[self.seen[key]]['count'] += 1
                    continue
                self.seen[key] = len(self.entries)
                self.entries.append({'source': source, 'where': where, 'line': line, 'start': start,
                                     'end': end, 'turn_start': key[2], 'turn_end': key[3],
                                     'in_fence': False, 'count': 1, 'lang': 'zh'})

    def add_json(self, source, prefix, value):
        if isinstance(value, str):
            self.add_turn(source, prefix, value)
        elif isinstance(value, list):
            for k, v in enumerate(value):
                self.add_json(source, '%s.%d' % (prefix, k), v)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.add_json(source, '%s.%s' % (prefix, k), v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cpsycoun')
    ap.add_argument('smile')
    ap.add_argument('dpo_zh')
    ap.add_argument('--check')
    args = ap.parse_args()
    c = Candidates()
    # CPsyCoun cases 0-799: a turn starts at a line `来访者：` or `心理咨询师：`; the lines of a
    # turn after the first are its own (a `（一段时间后）` line belongs to the turn before)
    marker = re.compile(r'^(?:来访者|心理咨询师)：', re.M)
    for n in range(CASES):
        path = os.path.join(args.cpsycoun, 'case_%d.txt' % n)
        if not os.path.exists(path):
            continue
        text = open(path, encoding='utf-8').read()
        cuts = [m.end() for m in marker.finditer(text)]
        starts = [m.start() for m in marker.finditer(text)][1:] + [len(text)]
        for t, (a, b) in enumerate(zip(cuts, starts), 1):
            c.add_turn('CPsyCounD/Data/case_%d.txt' % n, 'turn %d' % t, text[a:b])
    # SMILECHAT files 0-399: each message's content (not its annotation copies)
    for n in range(SMILE_FILES):
        try:
            messages = json.load(open(os.path.join(args.smile, '%d.json' % n), encoding='utf-8'))
        except (OSError, ValueError):
            continue
        for k, m in enumerate(messages):
            c.add_turn('data/%d.json' % n, '%d.content' % k, m['content'])
    # LLaMA-Factory dpo_zh_demo.json: records 0-59, and those of 60-199 with a '*' span
    records = json.load(open(args.dpo_zh, encoding='utf-8'))
    for r in range(DPO_STAR_RECORDS):
        if r < DPO_RECORDS or any(STAR.search(line) for line in
                                  json.dumps(records[r], ensure_ascii=False).split('\\n')):
            for key, value in records[r].items():
                c.add_json('data/dpo_zh_demo.json', '%d.%s' % (r, key), value)
    if args.check:
        labelled = [json.loads(line) for line in open(args.check, encoding='utf-8')]
        strip = lambda e: {k: v for k, v in e.items() if k not in ('label', 'why')}
        same = [strip(e) for e in labelled] == c.entries
        print('stage-candidates-cjk: %s' % ('matches' if same else 'differs'))
        sys.exit(0 if same else 1)
    for e in c.entries:
        print(json.dumps(e, ensure_ascii=False))


main()
