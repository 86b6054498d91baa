#!/usr/bin/env python3
"""--near-dup and `dlgconv leakage` on a generated corpus with planted near-duplicates
(scripts/neardup-corpus.py), judged against the exact Jaccard similarity of each pair's
3-word shingle sets, computed by the slow reference in that script (docs/rules.md
"Near-duplicates"). Targets from issue 14: recall >= 98% of the planted pairs with exact
J >= 0.85, and no pair with exact J < 0.5 ever put together. Then, from issue 21, the
adversarial sets of short conversations (neardup-corpus.py --shape: "?" and "answer<i>", one
word a turn, Chinese without spaces, emoji, short real chat turns), where the estimate alone
merged conversations that share nothing: no drop, no move by group and no leakage pair below
the threshold in exact Jaccard, and the planted same-token copies all found.

    neardup_test.py DLGCONV
"""
import gzip
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile

DLGCONV = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
REALWORLD = os.path.join(HERE, "..", "fixtures", "realworld")
THRESHOLD = 0.8
spec = importlib.util.spec_from_file_location(
    "corpus", os.path.join(HERE, "..", "scripts", "neardup-corpus.py"))
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)

failures = 0


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", what)


def run(*args, expect=0):
    r = subprocess.run([DLGCONV, *args], capture_output=True, text=True)
    if r.returncode != expect:
        sys.exit("dlgconv %s: exit %d, not %d: %s" % (" ".join(args), r.returncode, expect,
                                                      r.stderr[-2000:]))
    return r


def records(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def written(out, splits):
    """record number in the input -> (split, id)"""
    where = {}
    for split in splits:
        path = os.path.join(out, split + ".jsonl")
        if os.path.exists(path):
            for rec in records(path):
                where[rec["record"]] = (split, rec["id"])
    return where


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "corpus.jsonl")
    truth_path = os.path.join(tmp, "truth.jsonl")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "neardup-corpus.py"),
                    data, "3000", "--seed", "7", "--truth", truth_path], check=True)
    inputs = [json.loads(line)["messages"] for line in open(data, encoding="utf-8")]
    truth = [json.loads(line) for line in open(truth_path, encoding="utf-8")]
    close = [t for t in truth if t["jaccard"] >= 0.85]
    far = [t for t in truth if t["jaccard"] < 0.5]
    check(len(close) > 200 and len(far) > 500, "the corpus plants enough pairs both ways")
    splits = ["train", "validation", "test"]
    common = ["--compress", "none", "--split", "train=0.6,validation=0.2,test=0.2"]

    # drop: every dropped conversation names the kept one; planted pairs are found
    drop = os.path.join(tmp, "drop")
    run("convert", "-q", "--near-dup", "drop", *common, data, "-o", drop)
    kept = written(drop, splits)
    id_to_record = {rid: rec for rec, (_, rid) in kept.items()}
    dropped = {}
    for line in records(os.path.join(drop, "rejects.jsonl")):
        if line["codes"] == ["W321"]:
            dropped[line["record"]] = (id_to_record[line["near_duplicate_of"]],
                                       line["similarity"])
        elif line["codes"] == ["W307"]:
            dropped[line["record"]] = (None, 1.0)
    found = sum(1 for t in close if t["b"] in dropped)
    recall = found / len(close)
    print("drop: recall %.4f (%d of %d planted pairs with J >= 0.85)" %
          (recall, found, len(close)))
    check(recall >= 0.98, "recall of planted pairs with J >= 0.85 is at least 98%")
    worst = min((corpus.jaccard(inputs[b - 1], inputs[k - 1]), b, k)
                for b, (k, _) in dropped.items() if k is not None)
    print("drop: %d dropped as near-duplicates; lowest exact J of a drop %.4f (record %d "
          "for %d)" % (sum(1 for k, _ in dropped.values() if k), *worst))
    check(worst[0] >= 0.5, "no conversation is dropped for one with exact J < 0.5")
    check(not any(t["b"] in dropped and dropped[t["b"]][0] == t["a"] for t in far),
          "no planted pair with J < 0.5 is merged")
    manifest = json.load(open(os.path.join(drop, "manifest.json")))
    c = manifest["counts"]
    check(c["inputs"] == c["written"] + c["rejected"] + c["duplicates"] + c["near_duplicates"],
          "inputs = written + rejected + duplicates + near-duplicates")
    check(c["near_duplicates"] == sum(1 for k, _ in dropped.values() if k is not None),
          "the manifest counts the W321 lines of rejects.jsonl")
    check(manifest["options"]["near_dup"] == "drop" and
          manifest["options"]["near_dup_threshold"] == 0.8, "the manifest has the settings")

    # group: a planted pair lands in one split; the bytes do not depend on -j
    group = os.path.join(tmp, "group")
    run("convert", "-q", "--near-dup", "group", *common, "-j", "1", data, "-o", group)
    where = written(group, splits)
    together = sum(1 for t in close
                   if t["a"] in where and t["b"] in where and where[t["a"]][0] == where[t["b"]][0])
    both = sum(1 for t in close if t["a"] in where and t["b"] in where)
    print("group: %d of %d planted pairs (J >= 0.85, both written) in one split" %
          (together, both))
    check(together >= 0.98 * both, "planted pairs share a split")
    dropped_near = {b: k for b, (k, _) in dropped.items() if k is not None}
    check(all(where[b][0] == where[k][0] for b, k in dropped_near.items()),
          "what drop pairs up, group puts in one split (clusters never straddle splits)")
    off = os.path.join(tmp, "off")
    run("convert", "-q", "--near-dup", "off", *common, data, "-o", off)
    moved = sum(1 for rec, (split, _) in written(off, splits).items()
                if rec in where and where[rec][0] != split)
    check(0 < moved <= len(dropped_near), "group moves only cluster members")
    group2 = os.path.join(tmp, "group2")
    run("convert", "-q", "--near-dup", "group", *common, "-j", "2", data, "-o", group2)
    for name in sorted(os.listdir(group)):
        same = open(os.path.join(group, name), "rb").read() == \
            open(os.path.join(group2, name), "rb").read()
        check(same, "%s is the same bytes with -j1 and -j2" % name)
    gm = json.load(open(os.path.join(group, "manifest.json")))
    check(gm["counts"]["near_dup_clusters"] > 0, "the manifest counts the clusters")

    # leakage: a shuffle-and-cut split leaks the planted pairs; dlgconv's group output not
    naive = os.path.join(tmp, "naive")
    os.mkdir(naive)
    order = list(range(len(inputs)))
    random.Random(3).shuffle(order)
    cut = int(len(order) * 0.8)
    for name, part in (("train", order[:cut]), ("test", order[cut:])):
        with open(os.path.join(naive, name + ".jsonl"), "w", encoding="utf-8") as f:
            for i in part:
                f.write(json.dumps({"messages": inputs[i]}) + "\n")
    side = {i + 1: ("train" if k < cut else "test") for k, i in enumerate(order)}
    crossing = sum(1 for t in close if side[t["a"]] != side[t["b"]])
    r = run("leakage", "--json", naive, expect=0)
    report = json.loads(r.stdout)
    leaked = report["leaked"]
    print("leakage: shuffle-and-cut: %d planted pairs cross, %d conversations reported" %
          (crossing, leaked))
    check(leaked >= 0.98 * crossing, "leakage finds the planted pairs the cut put apart")
    run("leakage", "--max-leakage", "0.001", naive, expect=1)
    r = run("leakage", "--json", group)
    check(json.loads(r.stdout)["leaked"] == 0, "no leakage in dlgconv's own group output")
    r = run("leakage", "--json", off)
    check(json.loads(r.stdout)["leaked"] > 0, "leakage in the same split without --near-dup")
    # --against: an evaluation set that holds copies of training conversations
    evalset = os.path.join(tmp, "eval.jsonl")
    with open(evalset, "w", encoding="utf-8") as f:
        for t in close[:20]:
            f.write(json.dumps({"messages": inputs[t["b"] - 1]}) + "\n")
    r = run("leakage", "--json", naive, "--against", evalset, expect=0)
    against = json.loads(r.stdout)
    check(against["against"]["leaked"] >= 19, "--against finds the evaluation set's copies")



def write_jsonl(path, convs):
    with open(path, "w", encoding="utf-8") as f:
        for msgs in convs:
            f.write(json.dumps({"messages": msgs}, ensure_ascii=False) + "\n")


def adversarial(tmp, shape):
    convs, planted = corpus.adversarial(shape, 1000, 1, REALWORLD)
    close = corpus.similar_pairs(convs, THRESHOLD)  # (i, j) -> exact J, 0-based, i < j

    def exact(a, b):  # records are 1-based
        return close.get((min(a, b) - 1, max(a, b) - 1), 0.0)

    d = os.path.join(tmp, shape)
    os.mkdir(d)
    data = os.path.join(d, "in.jsonl")
    write_jsonl(data, convs)
    splits = ["train", "validation", "test"]
    common = ["--compress", "none", "--split", "train=0.6,validation=0.2,test=0.2"]

    # drop: every W321 against a conversation of exact J >= the threshold
    run("convert", "-q", "--near-dup", "drop", *common, data, "-o", os.path.join(d, "drop"))
    kept = written(os.path.join(d, "drop"), splits)
    id_to_record = {rid: rec for rec, (_, rid) in kept.items()}
    near, gone = {}, set()
    for line in records(os.path.join(d, "drop", "rejects.jsonl")):
        check(line["codes"] in (["W321"], ["W307"]), "%s: only W321 and W307 in rejects: %s" %
              (shape, line["codes"]))
        gone.add(line["record"])
        if line["codes"] == ["W321"]:
            near[line["record"]] = id_to_record[line["near_duplicate_of"]]
    false_drops = sorted((b, k) for b, k in near.items() if exact(b, k) < THRESHOLD)
    same = [(a + 1, b + 1) for a, b in planted if close.get((a, b), 0) == 1.0]
    high = [(a + 1, b + 1) for a, b in planted if close.get((a, b), 0) >= 0.85]
    print("adversarial %s: drop: %d near-duplicates, %d below J %.1f%s; planted same-token "
          "copies dropped %d of %d, pairs with J >= 0.85 %d of %d" %
          (shape, len(near), len(false_drops), THRESHOLD,
           " (e.g. record %d for %d)" % false_drops[0] if false_drops else "",
           sum(b in gone for _, b in same), len(same), sum(b in gone for _, b in high),
           len(high)))
    check(not false_drops, "%s: no drop below the threshold in exact Jaccard" % shape)
    check(len(same) >= 50 and all(b in gone for _, b in same),
          "%s: every planted same-token copy is dropped" % shape)
    check(sum(b in gone for _, b in high) >= 0.95 * len(high),
          "%s: planted pairs with J >= 0.85 are found" % shape)

    # group: what moves, moves to the split of an earlier conversation of exact J >= the
    # threshold; the splits keep their shares
    run("convert", "-q", "--near-dup", "off", *common, data, "-o", os.path.join(d, "off"))
    run("convert", "-q", "--near-dup", "group", *common, data, "-o", os.path.join(d, "group"))
    off = written(os.path.join(d, "off"), splits)
    where = written(os.path.join(d, "group"), splits)
    moved = [r for r in where if where[r][0] != off[r][0]]
    wrong = [r for r in moved
             if not any(where.get(k, ("",))[0] == where[r][0] and exact(k, r) >= THRESHOLD
                        for k in range(1, r))]
    test_share = sum(1 for s, _ in where.values() if s == "test") / len(where)
    print("adversarial %s: group: %d of %d moved, %d without an earlier near-copy there; "
          "test split %.1f%%" % (shape, len(moved), len(where), len(wrong), 100 * test_share))
    check(not wrong, "%s: group moves a conversation only to its near-copy's split" % shape)
    check(test_share > 0.15, "%s: the test split keeps its share" % shape)

    # leakage: apart by exact J, nothing leaks; shuffled, what leaks is exact J >= threshold
    parent = list(range(len(convs)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for a, b in close:
        parent[root(a)] = root(b)
    rng = random.Random(shape)
    side = {}
    for i in range(len(convs)):
        side.setdefault(root(i), "train" if rng.random() < 0.8 else "test")
    for name, assign in (("apart", lambda i: side[root(i)]),
                         ("shuffled", lambda i: "train" if rng.random() < 0.8 else "test")):
        folder = os.path.join(d, name)
        os.mkdir(folder)
        parts = {"train": [], "test": []}
        for i in range(len(convs)):
            parts[assign(i)].append(i)
        for split, members in parts.items():
            write_jsonl(os.path.join(folder, split + ".jsonl"), [convs[i] for i in members])
        split_of = {i: s for s, members in parts.items() for i in members}
        crossing = {i for pair in close for i in pair
                    if split_of[pair[0]] != split_of[pair[1]]}
        report = json.loads(run("leakage", "--json", folder).stdout)
        false_pairs = [p for p in report["worst"]
                       if exact(parts[p["a"]["split"]][p["a"]["record"] - 1] + 1,
                                parts[p["b"]["split"]][p["b"]["record"] - 1] + 1) < THRESHOLD]
        print("adversarial %s: leakage, %s: %d reported, %d with a near-copy across in exact "
              "J; %d of %d examples below J %.1f" % (shape, name, report["leaked"], len(crossing),
                                                   len(false_pairs), len(report["worst"]),
                                                   THRESHOLD))
        check(report["leaked"] <= len(crossing) and not false_pairs,
              "%s, %s: leakage reports no pair below the threshold" % (shape, name))
        check(report["leaked"] >= 0.95 * len(crossing),
              "%s, %s: leakage finds the near-copies across" % (shape, name))


with tempfile.TemporaryDirectory() as tmp:
    for shape in corpus.SHAPES:
        adversarial(tmp, shape)

print("neardup: %s" % ("all passed" if failures == 0 else "%d failed" % failures))
sys.exit(1 if failures else 0)
