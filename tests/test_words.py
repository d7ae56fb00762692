"""``rdrs_gui.core.words`` gives razdel's words at razdel's offsets: the parser, the tagger's
training data and the editor's token snapping all depend on the two agreeing exactly."""
from __future__ import annotations

import json
import random

import pytest
from razdel import tokenize

from rdrs_gui.core.words import words


def razdel_words(text: str) -> list[tuple[int, int, str]]:
    return [(t.start, t.stop, t.text) for t in tokenize(text)]


# One text per kind of place razdel's rules look at, with a neighbour that makes the rule say no.
RULE_CASES = [
    "из-за кто-то Нурофен-форте 5-ти", "из - за", "-то", "то-", "--", "а--б", ",-а", "а-,",   # dash
    "что‑то 1–2 раза — минус −5",                                                              # other dashes
    "что_то _а а_ __ a_,", "snake_case_name",                                               # underscore
    "2,5 мг 3.14 1.a a.1 1. .5 1,2,3",                                                     # float
    "1/2 таблетки 3\\4 a/1 1/ /2",                                                          # fraction
    ":-) ;) =((( :( :-((( :-)))) )):",                                                      # smileys
    "Что?! Да... Ну!!! …? .!",                                                              # endings
    "*** -- **", "+-", "«Нурофен» (сироп) [1] {x}",                                       # other punctuation
    "ΔP Δσ mβж №5 5% $10 100$ 😀😀 a😀 😀б",                                               # other symbols
    "Yahoo! yahoo!! YAHOO! yahoo !",                                                        # the exception
    "mg/кг таб.2р/д 10мг 2x10", "e-mail: a@b.ru http://x.ru/a?b=1", "\t\n  \n", "",
]


@pytest.mark.parametrize("text", RULE_CASES)
def test_same_words_as_razdel_on_each_rule(text):
    assert words(text) == razdel_words(text)


def test_same_words_as_razdel_on_random_texts():
    pieces = list("аБвЁё xZ09 .,/\\_-‑–—−!?…:;=()[]{}«»\"'*№%$#@^~`|+<>ΔσЖ😀\t\n") + [
        "yahoo", ":-)", ";)", "=(((", "...", "?!", "--", "**", "3.14", "1/2", "из-за", "что_то", "мг"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert words(text) == razdel_words(text), text


def test_same_words_as_razdel_on_the_reviews_and_tweets(shared_data):
    texts = [json.loads(line)["text"] for line in
             (shared_data / "rudrec" / "rudrec_train.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += (shared_data / "ruadrect" / "task2_ru_validation.tsv").read_text(encoding="utf-8").splitlines()
    assert len(texts) > 4000
    differ = [text for text in texts if words(text) != razdel_words(text)]
    assert differ == []
