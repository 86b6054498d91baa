#!/usr/bin/env python3
"""Writes the benchmark corpus: N made-up text transcripts in the shape dlgconv reads.

    bench-corpus.py OUT_DIR N [--seed S] [--jobs J]

OUT_DIR/pNNN/NNNNNNN.txt, spread over 200 folders (one per made-up person, for
`--split-key group`). Each file is one conversation: `### Human:` / `### Assistant:` turns
of made-up English sentences, 4 to 11 turns (so about half end on a user turn, which
`convert` rejects as E206 unless `--trailing-user drop`), with what real transcripts hold:
a generator's preamble (30% of files), stage directions such as `*sighs*` at a turn's
start or between sentences, Markdown emphasis inside sentences, short lists, accented
words written decomposed (NFD, 6% of files, which NFC must recompose), CRLF line ends (2%),
a marker spelled `Human:` (1%), and exact copies of an earlier file (1%). About 3.1 KB a
file: 20,000 files are 62 MB.

The output depends only on N and the seed: file i is made from its own random generator
(seeded with "SEED:i"), so --jobs changes nothing but the time it takes.
"""
import argparse
import os
import random
import sys
import unicodedata
from multiprocessing import Pool

FOLDERS = 200

WORDS = """
a about after again all also always am an and any are around as ask at away back be because
been before being best better between both but by call came can care change could day did
different do does doing done down each even every feel feeling felt few find first for found
friend friends from get give go going good got great had hard has have he help her here him
his home how i idea if in into is it just keep kind know last later learn leave let life like
little long look lot made make many maybe me mean might more most much must my need never new
next night no not nothing now of off often old on once one only or other our out over own
part people place plan point put quite rather really right said same say see seem seems she
should show since small so some something sometimes start still such sure take talk tell than
thank that the their them then there these they thing things think this those though thought
through time to today together too tried try trying turn understand until up us use very want
was way we week well went were what when where which while who why will with without work
world would year yes yet you your
advice answer anxious balance breathe calm choice class conversation deadline decision
difficult evening exam family focus future goal habit happy honest hope job letter listen
meeting mind moment morning music notes patient pressure problem project question reason
routine school sleep step story stress support task teacher team tired walk weekend worry
""".split()

ACCENTED = ["café", "naïve", "résumé", "fiancée", "déjà", "crème", "façade", "señor",
            "über", "jalapeño", "Zoë", "Chloé", "São Paulo", "Kraków", "piñata"]
DIRECTIONS = ["sighs", "smiles", "nods slowly", "laughs softly", "wipes away tears",
              "takes a deep breath", "shrugs", "looks away", "sniffles", "grins"]
PREAMBLES = ["Sure! Here's a conversation between a user and a helpful assistant:",
             "Certainly. Below is a dialogue about everyday worries.",
             "Here is an example chat:\n\n---"]


def sentence(rng, accented):
    n = rng.randint(5, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    if accented and rng.random() < 0.3:
        words[rng.randrange(n)] = unicodedata.normalize("NFD", rng.choice(ACCENTED))
    if rng.random() < 0.05:
        k = rng.randrange(1, n)
        words[k] = "*" + words[k] + "*"  # emphasis inside a sentence: not a direction
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def paragraph(rng, accented):
    return " ".join(sentence(rng, accented) for _ in range(rng.randint(1, 5)))


def turn_text(rng, accented, role):
    parts = [paragraph(rng, accented) for _ in range(rng.randint(1, 3))]
    if role == "Assistant" and rng.random() < 0.1:
        items = ["- " + sentence(rng, accented) for _ in range(rng.randint(2, 4))]
        parts.insert(rng.randint(1, len(parts)), "\n".join(items))
    text = "\n\n".join(parts)
    if role == "Human" and rng.random() < 0.2:
        text = "*%s* %s" % (rng.choice(DIRECTIONS), text)
    elif rng.random() < 0.05:
        text = text.replace(". ", ". *%s* " % rng.choice(DIRECTIONS), 1)
    return text


def transcript(seed, i):
    rng = random.Random("%d:%d" % (seed, i))
    if i > 10 and rng.random() < 0.01:
        return transcript(seed, rng.randrange(i))  # an exact copy of an earlier file
    accented = rng.random() < 0.06
    bare = rng.random() < 0.01
    out = []
    if rng.random() < 0.3:
        out.append(rng.choice(PREAMBLES))
    for t in range(rng.randint(4, 11)):
        role = "Human" if t % 2 == 0 else "Assistant"
        marker = role + ":" if bare and t == 0 else "### " + role + ":"
        out.append(marker + " " + turn_text(rng, accented, role))
    text = "\n\n".join(out) + "\n"
    if rng.random() < 0.02:
        text = text.replace("\n", "\r\n")
    return text


def write_range(job):
    out_dir, seed, start, stop = job
    for i in range(start, stop):
        path = os.path.join(out_dir, "p%03d" % (i % FOLDERS), "%07d.txt" % i)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(transcript(seed, i))
    return stop - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    tmp = a.out_dir.rstrip("/") + ".tmp"
    if os.path.exists(a.out_dir):
        sys.exit("bench-corpus: %s exists" % a.out_dir)
    for k in range(FOLDERS):
        os.makedirs(os.path.join(tmp, "p%03d" % k), exist_ok=True)
    step = 1000
    jobs = [(tmp, a.seed, s, min(s + step, a.n)) for s in range(0, a.n, step)]
    with Pool(max(1, a.jobs)) as pool:
        done = sum(pool.imap_unordered(write_range, jobs))
    os.rename(tmp, a.out_dir)  # a corpus cut short by an interrupt is never taken for whole
    print("bench-corpus: %d files in %s" % (done, a.out_dir))


if __name__ == "__main__":
    main()
