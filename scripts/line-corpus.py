#!/usr/bin/env python3
"""Writes one conversation whose first turn is a single line of about SIZE bytes, for the
linear-time benchmark (scripts/bench.sh) and the cancellation test (tests/cancel_test.py).

  line-corpus.py OUT SHAPE SIZE [--format jsonl|text|field]

SHAPE is what the line repeats:
  heavy    everything a turn's processing looks at twice: stage directions (`*sighs*`,
           `_smiles_`), spans that are text (`*Cowboy Bebop*?`, `**bold**`, `2*3*4`), inline
           code, a '*' that nothing closes, speaker labels inside the text (`Human:`,
           `### Assistant:`), escaped markers, JSON escapes (`\\"`, `\\\\`, `\\u00e9`, a tab),
           mojibake candidates (`cafÃ©`, `Iâ€™m`, `â€` after a quotation), no-break spaces,
           Chinese with `*叹气*`; in a JSON record every character past ASCII is a `\\uXXXX`
           escape
  spans    `I feel lost. *sighs* I do not know. ` (issue 21's reproduction)
  zh       the same in Chinese: `我很迷茫。 *叹气* 我不知道。 `
  plain    `I feel lost. And sighs. I do not know. `: none of that
  nfd      spans and decomposed accents (`Cafe\\u0301`): the line goes through NFC
SIZE is in bytes of the line's text, with a suffix K, M or G (powers of 1024).
--format: jsonl (default) a {"messages": [...]} record, text a transcript file
(`### Human: LINE` then an assistant turn), field a {"text": "### Human: LINE\\n###
Assistant: ok"} record.
"""
import json
import sys

UNITS = {
    "heavy": (
        "I feel lost. *sighs* I do not know. _smiles warmly_ Human: hi, "
        "*Cowboy Bebop*? **bold** 2*3*4 `ls *sighs*` a * b cafÃ© Iâ€™m Ã…lesund "
        "“quoted â€ said \"she\" \\ back\tslash \u00e9t\u00e9 x\u00a0y ### Assistant: "
        "no \\### Human: yes. *nods slowly* ok. ### Human: 我很迷茫。*叹气* 我不知道。 "
        "*sighs I forgot… "
    ),
    "spans": "I feel lost. *sighs* I do not know. ",
    "zh": "我很迷茫。 *叹气* 我不知道。 ",
    "plain": "I feel lost. And sighs. I do not know. ",
    "nfd": "I feel lost. *sighs* Cafe\u0301 ferme\u0301. ",
}


def size_of(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1)
    return int(float(text.rstrip("KMGkmg")) * mult)


def main():
    args = sys.argv[1:]
    fmt = "jsonl"
    if "--format" in args:
        k = args.index("--format")
        fmt = args[k + 1]
        del args[k:k + 2]
    out, shape, size = args[0], args[1], size_of(args[2])
    unit = UNITS[shape]
    n = max(1, size // len(unit.encode()))
    with open(out, "w", encoding="utf-8") as f:
        # written in pieces: a line of gigabytes need not be built in memory twice
        if fmt == "text":
            f.write("### Human: ")
            for _ in range(0, n, 4096):
                f.write(unit * min(4096, n - _))
            f.write("\n### Assistant: ok\n")
            return
        ascii = shape == "heavy"
        piece = json.dumps(unit * 4096, ensure_ascii=ascii)[1:-1]
        rest = json.dumps(unit * (n % 4096), ensure_ascii=ascii)[1:-1]
        if fmt == "field":
            f.write('{"text": "### Human: ')
        else:
            f.write('{"messages": [{"role": "user", "content": "')
        for _ in range(n // 4096):
            f.write(piece)
        f.write(rest)
        if fmt == "field":
            f.write('\\n### Assistant: ok"}\n')
        else:
            f.write('"}, {"role": "assistant", "content": "ok"}]}\n')


main()
