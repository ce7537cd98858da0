"""Regenerate ``words.txt``, the common-word list behind the "word" bonus (see README.md).

Not part of the engine and not a dependency of it: run once, by hand, where the two
sources are installed, and commit the output::

    python -m venv /tmp/wordfreq && /tmp/wordfreq/bin/pip install 'wordfreq==3.1.1'
    apt-get install wamerican          # /usr/share/dict/american-english (SCOWL)
    /tmp/wordfreq/bin/python patterns/engine/data/make_words.py > patterns/engine/data/words.txt

The list is the COUNT most frequent English words of 4 to 10 lowercase ASCII letters by
wordfreq, keeping only those that the SCOWL dictionary spells in lowercase (which drops
names such as 'london' or 'putin' and tokens such as 'http'), minus the few words in
EXCLUDED: a bonus is a compliment, and these should never be one.
"""

from __future__ import annotations

import re
import sys

COUNT = 5000
MIN_LENGTH, MAX_LENGTH = 4, 10
DICTIONARY = "/usr/share/dict/american-english"
EXCLUDED = frozenset(
    "asshole bitch cock dick fuck fucked fucking piss pissed porn pussy rape raped shit".split()
)
HEADER = f"""\
# The {COUNT} most frequent English words of {MIN_LENGTH}-{MAX_LENGTH} letters (wordfreq 3.1.1 'en',
# CC BY-SA 4.0) that SCOWL (Debian wamerican, Kevin Atkinson) spells in lowercase,
# less a few profanities. Made by make_words.py; see README.md. One word a line, by frequency.
"""


def main() -> None:
    from wordfreq import top_n_list

    with open(DICTIONARY, encoding="utf-8") as file:
        lowercase = {line.strip() for line in file if re.fullmatch(r"[a-z]+", line.strip())}
    shape = re.compile(rf"[a-z]{{{MIN_LENGTH},{MAX_LENGTH}}}")
    words = [w for w in top_n_list("en", 200_000) if shape.fullmatch(w) and w in lowercase and w not in EXCLUDED]
    sys.stdout.write(HEADER + "\n".join(words[:COUNT]) + "\n")


if __name__ == "__main__":
    main()
