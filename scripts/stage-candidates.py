#!/usr/bin/env python3
"""List every candidate stage-direction span in the stage-direction test inputs.

Reads shared/realworld/*, shared/seed/seed.txt, fixtures/valid/*.{txt,jsonl},
fixtures/realworld/*.{txt,jsonl} and the issue-10 examples, splits them into
turns, and prints one JSON object per candidate span (see fixtures/stage/SOURCES.md
for the definition): source, where, line, start, end (UTF-8 byte offsets in line),
turn_start, turn_end, in_fence, count (identical entries merged, first kept;
at most 5 entries per distinct line).

  scripts/stage-candidates.py [--shared DIR] [--check fixtures/stage/labelled.jsonl]

--check compares a labelled file with the candidates (ignoring label and why)
and exits 1 if they differ.
"""
import argparse, glob, gzip, json, os, re, sys

MAIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISSUE_10 = ['1. *Fullmetal Alchemist:* two brothers.', '2. *"Chamo, ¿qué es la que hay?"* - a greeting.',
            '*We can assume the body is in the car, right?*', '*high five*', 'I *really* love it',
            'Have you seen *Cowboy Bebop*? It is great.', '*Ingredientes:*',
            "I can't believe it. *nods slowly* Yes.", '*smiles warmly* Welcome back!', 'Sagittarius A* is a black hole']
# Speaker lines in the .txt files: optional #s, a known label, optional spaces, ':'.
LABELS = r'(?:human|assistant|system|user|ai|lucky|rosie|sebastian|evelyn|alex|\[\[user_name\]\]|\[\[ai_name\]\])'
TXT_MARKER = re.compile(r'^[ \t]*#{0,6}[ \t]*' + LABELS + r'[ \t]*:[ \t]*|^###END\w+###[ \t]*$', re.I | re.M)
# Markers inside JSON transcript strings: "### Human:" anywhere, "Human:" after a newline or at the start.
JSON_MARKER = re.compile(r'#{1,6}[ \t]*(?:Human|Assistant|System)[ \t]*:[ \t]*|(?:^|\n)(?:Human|Assistant|System):[ \t]*')
SPLIT_KEYS = {'input', 'prompt', 'generation', 'text', 'chosen', 'rejected', 'turns'}
TEXT_KEYS = SPLIT_KEYS | {'output', 'value', 'content'}


def split(text, marker):
    """Turn texts of a transcript: the text between markers (text before the first one included)."""
    cuts = [(m.start(), m.end()) for m in marker.finditer(text)]
    ends = [0] + [e for _, e in cuts]
    starts = [s for s, _ in cuts] + [len(text)]
    return [text[e:s] for e, s in zip(ends, starts)]


def spans(line):
    """(start, end) character offsets of the candidate spans on one line."""
    i, n = 0, len(line)
    while i < n:
        d = line[i]
        if (d in '*_' and (i == 0 or (line[i - 1] != d and not line[i - 1].isalnum()))
                and i + 1 < n and line[i + 1] != d and not line[i + 1].isspace()):
            for j in range(i + 2, n):
                if (line[j] == d and line[j - 1] != d and not line[j - 1].isspace()
                        and (j + 1 == n or (line[j + 1] != d and not line[j + 1].isalnum()))):
                    if len(line[i:j + 1].encode()) <= 200:
                        yield i, j + 1
                        i = j
                    break
        i += 1


def turn_entries(turn):
    """Candidate dicts (without source/where) of one turn."""
    lines, fence, out = turn.split('\n'), None, []
    for k, line in enumerate(lines):
        opener = re.match(r'[ \t]*(```|~~~)', line)
        in_fence = fence is not None or opener is not None
        if opener and fence is None:
            fence = opener.group(1)
        elif opener and opener.group(1) == fence:
            fence = None
        before = '\n'.join(lines[:k])
        after = '\n'.join(lines[k + 1:])
        for s, e in spans(line):
            b = len(line[:s].encode())
            out.append({'line': line, 'start': b, 'end': b + len(line[s:e].encode()),
                        'turn_start': (before + line[:s]).strip(' \t\n') == '',
                        'turn_end': (line[e:] + after).strip(' \t\n') == '', 'in_fence': in_fence})
    return out


def json_strings(node, path):
    """(path, text, is_transcript) for every message text in a decoded JSON record."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    keys = set(node) if isinstance(node, dict) else set()
    for k, v in items:
        if k == 'prompt' and 'input' in keys or k == 'text' and keys & {'input', 'prompt'}:
            continue  # duplicates of input / prompt in the qlora files
        p = path + [str(k)]
        if isinstance(v, str):
            key = k if isinstance(k, str) else path[-1]
            if key in TEXT_KEYS:
                yield '.'.join(p), v, key in SPLIT_KEYS
        else:
            yield from json_strings(v, p)


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    return (gzip.decompress(data) if data[:2] == b'\x1f\x8b' else data).decode('utf-8')


def file_entries(path):
    """(where, entry) for every candidate of one input file."""
    text = read(path)
    if path.endswith(('.jsonl', '.json')):
        if path.endswith('.json'):  # a JSON array: 0-based record index
            records, fmt = enumerate(json.loads(text)), '{}.{}'
        else:  # JSON lines: 1-based line number
            records = [(n, json.loads(l)) for n, l in enumerate(text.split('\n'), 1) if l.strip()]
            fmt = 'line {}: {}'
        for r, rec in records:
            for p, s, is_transcript in json_strings(rec, []):
                turns = split(s, JSON_MARKER) if is_transcript else [s]
                for t, turn in enumerate(turns):
                    for e in turn_entries(turn):
                        yield fmt.format(r, p) + (f' turn {t}' if len(turns) > 1 else ''), e
    else:
        for t, turn in enumerate(split(text, TXT_MARKER)):
            for e in turn_entries(turn):
                yield f'turn {t}', e


def inputs(shared):
    for p in sorted(glob.glob(os.path.join(shared, 'realworld', '*', '*'))):
        yield os.path.relpath(p, shared), p
    yield 'seed/seed.txt', os.path.join(shared, 'seed', 'seed.txt')
    for pattern in ('fixtures/valid/*.txt', 'fixtures/valid/*.jsonl',
                    'fixtures/realworld/*.txt', 'fixtures/realworld/*.jsonl'):
        for p in sorted(glob.glob(os.path.join(MAIN, pattern))):
            yield os.path.relpath(p, MAIN), p


PER_LINE = 5


def candidates(shared):
    seen, out, per_line = {}, [], {}

    def add(source, where, e):
        key = (e['line'], e['start'], e['in_fence'], e['turn_start'], e['turn_end'])
        if key in seen:
            seen[key]['count'] += 1
        elif per_line.get(e['line'], 0) >= PER_LINE:
            return  # one kto reply repeats *giggle* 139 times on a line: 5 say as much
        else:
            per_line[e['line']] = per_line.get(e['line'], 0) + 1
            seen[key] = dict(source=source, where=where, **e, count=1)
            out.append(seen[key])
    for source, path in inputs(shared):
        for where, e in file_entries(path):
            add(source, where, e)
    for n, example in enumerate(ISSUE_10, 1):
        for e in turn_entries(example):
            add('issue-10', f'example {n}', e)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--shared', default=os.environ.get('DLG_SHARED', '/work/shared'))
    ap.add_argument('--check', metavar='LABELLED')
    args = ap.parse_args()
    cands = candidates(args.shared)
    if args.check:
        with open(args.check, encoding='utf-8') as f:
            got = [{k: v for k, v in json.loads(l).items() if k not in ('label', 'why')} for l in f if l.strip()]
        print(f'{args.check}: {len(got)} entries, candidates: {len(cands)}, '
              + ('match' if got == cands else 'DIFFER'), file=sys.stderr)
        return 0 if got == cands else 1
    for c in cands:
        print(json.dumps(c, ensure_ascii=False))
    return 0


if __name__ == '__main__':
    sys.exit(main())
