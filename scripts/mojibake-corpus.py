#!/usr/bin/env python3
"""Write a mojibake test corpus for --fix-mojibake / W305 (src/lib/mojibake.c).

Positives are real words in many languages, encoded as UTF-8 and decoded as Windows-1252
(undefined bytes kept as C1 controls, replaced by U+FFFD or dropped, as decoders do) or as
Latin-1, sometimes twice; plus the examples of ftfy issues #203 and #192. Negatives are
legitimate text that a careless repair would corrupt. Deterministic: no randomness.

  scripts/mojibake-corpus.py              one dlgconv conversation per line (JSON lines):
                                          {"messages":[{"role":"user","content":TEXT},
                                                       {"role":"assistant","content":"ok"}]}
  scripts/mojibake-corpus.py --expected   {"input","expected","positive"} per line, for
                                          measuring precision and recall
"""
import json
import sys

# cp1252 leaves these bytes undefined; a "sloppy" decoder (browsers, ftfy) keeps them as C1.
UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def sloppy(s, undefined='c1'):
    """s as UTF-8 bytes read as Windows-1252; undefined bytes: 'c1', 'replace' or 'ignore'."""
    out = []
    for b in s.encode('utf-8'):
        if b in UNDEFINED:
            out.append({'c1': chr(b), 'replace': '\ufffd', 'ignore': ''}[undefined])
        else:
            out.append(bytes([b]).decode('cp1252'))
    return ''.join(out)


def latin1(s):
    return s.encode('utf-8').decode('latin-1')


def c1_only(s):
    """Text written in Windows-1252 but read as Latin-1: ’ becomes U+0092."""
    return s.encode('cp1252').decode('latin-1')


# (original text, how it was mangled)
POSITIVES = [
    ("I’m fine, thanks", sloppy),
    ("don’t worry", sloppy),
    ("He said “hello” and left", sloppy),
    ("It costs €5 — cheap", sloppy),
    ("Wait… what?", sloppy),
    ("• first item", sloppy),
    ("Microsoft™ Word", sloppy),
    ("Je vais au café", sloppy),
    ("déjà vu", sloppy),
    ("à la carte", sloppy),
    ("crème brûlée", sloppy),
    ("Joyeux Noël", sloppy),
    ("École normale", sloppy),
    ("¿Qué tal?", sloppy),
    ("mañana por la mañana", sloppy),
    ("Nicolás quiere más", sloppy),
    ("o coração", sloppy),
    ("Ele é bom", sloppy),
    ("Größe und Straße", sloppy),
    ("Österreich", sloppy),
    ("für Müller", sloppy),
    ("Tromsø og blåbær", sloppy),
    ("Göteborg och Malmö", sloppy),
    ("złoty", sloppy),
    ("oni mają psa", sloppy),
    ("Łódź", sloppy),
    ("Dvořák", sloppy),
    ("și așa", sloppy),
    ("Țara Românească", sloppy),
    ("Azərbaycan", sloppy),
    ("tiếng Việt", sloppy),
    ("привет", sloppy),
    ("Москва и Киев", sloppy),
    ("καλημέρα", sloppy),
    ("שלום עולם", sloppy),
    ("مرحبا", sloppy),
    ("नमस्ते", sloppy),
    ("你好", sloppy),
    ("日本語", sloppy),
    ("안녕하세요", sloppy),
    ("great 😀", sloppy),
    ("thanks 👍", sloppy),
    ("✔ done", sloppy),
    ("next → step", sloppy),
    ("Þórður", sloppy),
    ("Erdős Pál", sloppy),
    ("1920×1080", sloppy),
    ("25°C", sloppy),
    ("£10", sloppy),
    ("© 2024", sloppy),
    ("I’ll be there", latin1),
    ("naïve café", latin1),
    ("I’ll be there", c1_only),
    ("“quoted”", c1_only),
    ("He said “hi”", lambda s: sloppy(s, 'replace')),
    ("He said “hi”", lambda s: sloppy(s, 'ignore')),
    ("café", lambda s: sloppy(sloppy(s))),
    ("I’m", lambda s: sloppy(sloppy(s))),
    ("é", lambda s: sloppy(sloppy(sloppy(s)))),
    ("Só isso", sloppy),
    ("Są tam", sloppy),
    ("Rēzekne", sloppy),
    ("MÅL", sloppy),
    ("GREŠKA", sloppy),
    ("Kėdainiai", sloppy),
    ("an tÚSÁIDEOIR", sloppy),
    ("Belle Époque", latin1),
    ("Einträge (»fuzzy«)", sloppy),
    ("Feil ved lesing av «%s»", sloppy),
    ("Je t’aime ❤️", sloppy),
    ("例: 2006", sloppy),
    ("\ufeffhello", sloppy),
    ("Bremer/Mccoy – Dråber", lambda s: s.replace("å", sloppy("å"))),
]

# ftfy issues #203 and #192: too little signal for ftfy, fixed here.
FTFY_ISSUES = [
    ("Ã…lesund", "Ålesund"),
    ("Ä°stanbul", "İstanbul"),
    ("RÄ«ga", "Rīga"),
]

# Legitimate text that must come out unchanged.
NEGATIVES = [
    "CAFÉ…", "„Gruß“", "SÃO PAULO", "naïve", "Ångström", "1°C", "£5", "ÂGE", "«Ça va?»",
    "Ñandú", "¿Qué?", "¡Olé!", "© 2024", "½ cup", "×2", "IRMÃ…", "Das „Ä“ ist ein Umlaut",
    "Sie sagte „SCHLÄ“.", "She said ‘café’” and left", "Ela disse «está»…", "OÙ…", "ÉTÉ…",
    "IRMÃ—", "NÃO!", "MAÇÃ®", "A–Z and Ä–Z", "Zoë’s", "À bientôt", "Æsop’s fables",
    "ÞÓRÐUR", "Ça—oui", "Größe“", "Tromsø”", "5 €", "0,5 ‰", "Œuvre", "cœur", "Š", "žena",
    "São Paulo…", "IRMÃ\u00a0E", "«AMANHÔ", "3 × 4", "Ø\u00a010 mm", "voilà »", "Ñ»",
    "TAMBÉM…", "ÓRGÃO", "Dvořák", "Ÿ", "x² + y³", "Ü‘", "Ã", "â", "Officiâš´le",
    "LegaA¯a", "PowerHouseâ\"¢", "– Drå", "Il était là…»", "Ëa", "ÀÉÎÕÜ", "AÇÃO…",
    "«AÇÃO»", "PÃO”", "Ò…", "Ì…", "Õ–", "“Ã”", "(Ã)", "Ê»", "ß…", "Þ”", "Ð…",
    "ë…”", "è’’", "ñ…”", "ö", "é»¹", "ÿ", "Sie rief „MÄ“", "Han sa ”PÅ”.", "He wrote “‘é’”",
    "the café”† note", "«\u00a0voilà\u00a0»", "Nº 5, 1ª, ¼ kg", "við…”", "tiếng Việt",
    "Der Buchstabe »Ä«", "litera «Â»", "Întâlnirea, menită",
    # mojibake whose lost byte is not that of ” (a right-to-left mark, a hyphen): left alone
    "AV1â€ (AVIF)", "Einâ€/Ausgabe",
]


def cases():
    for original, mangle in POSITIVES:
        yield mangle(original), original, True
    for broken, fixed in FTFY_ISSUES:
        yield broken, fixed, True
    for text in NEGATIVES:
        yield text, text, False


def main():
    expected = sys.argv[1:] == ['--expected']
    if sys.argv[1:] and not expected:
        sys.exit(__doc__)
    for text, want, positive in cases():
        if expected:
            obj = {"input": text, "expected": want, "positive": positive}
        else:
            obj = {"messages": [{"role": "user", "content": text},
                                {"role": "assistant", "content": "ok"}]}
        print(json.dumps(obj, ensure_ascii=False))


if __name__ == '__main__':
    main()
