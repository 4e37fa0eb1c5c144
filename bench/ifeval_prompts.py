"""Project-written IFEval-style training prompts: examples/ifeval/train.jsonl.

Each record is a task sentence written here (a template filled with a topic, or a yes/no question) followed by
one to three instructions drawn from IFEval's 25 instruction types, each with its own parameters and a
sentence worded for this project. A record holds what examples/ifeval/ifeval_train.act reads:

  {"prompt": ..., "instruction_id_list": [...], "kwargs": [{...}, ...]}

The output depends only on N and the seed, so the committed file can be checked by regenerating it
(tests/test_ifeval_prompts.py). Instructions that cannot be followed together are never paired (all lower case
with a `SECTION 1` header, JSON with a title, a repeated request with a language other than English...), and
the numbers of one record leave room for each other (fewer than 6 sentences never meets 5 paragraphs).

  python bench/ifeval_prompts.py                               # writes examples/ifeval/train.jsonl (320)
  python bench/ifeval_prompts.py --n 400 --seed 3 --out my.jsonl
  python bench/ifeval_prompts.py --check ../shared/data/ifeval/input_data.jsonl   # coverage and overlap

None of the prompts comes from IFEval's 541: `--check` prints the highest rapidfuzz ratio between one of
ours and one of theirs.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "ifeval" / "train.jsonl"

# the 25 instruction types of IFEval, in the order of its registry's groups
TYPES = [
    "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
    "combination:repeat_prompt", "combination:two_responses",
    "detectable_content:number_placeholders", "detectable_content:postscript",
    "detectable_format:constrained_response", "detectable_format:json_format",
    "detectable_format:multiple_sections", "detectable_format:number_bullet_lists",
    "detectable_format:number_highlighted_sections", "detectable_format:title",
    "keywords:existence", "keywords:forbidden_words", "keywords:frequency", "keywords:letter_frequency",
    "language:response_language",
    "length_constraints:nth_paragraph_first_word", "length_constraints:number_paragraphs",
    "length_constraints:number_sentences", "length_constraints:number_words",
    "punctuation:no_comma", "startend:end_checker", "startend:quotation",
]

TEMPLATES = [
    "Write a short story about {t}.", "Write a blog post about {t}.", "Write a poem about {t}.",
    "Explain {t} to a curious twelve-year-old.", "Write a letter to a friend about {t}.",
    "Write a speech for a school assembly about {t}.", "Write a diary entry about {t}.",
    "Describe {t} for a local newspaper.", "Write a short essay on {t}.", "Write a museum placard about {t}.",
    "Draft the opening of a podcast episode about {t}.", "Write a song verse about {t}.",
    "Write notes for a class discussion about {t}.", "Write an encyclopedia-style entry about {t}.",
    "Write a dialogue between two neighbours about {t}.", "Write a motivational message inspired by {t}.",
    "Write a postcard message about {t}.", "Write a fable that involves {t}.",
    "Tell a grandparent about {t} in a short note.", "Write a guided tour script about {t}.",
]

TOPICS = [
    "a lighthouse keeper's last night", "the first snow of winter", "growing tomatoes on a balcony",
    "a night market in a coastal town", "learning to play the cello", "the history of paper maps",
    "a library that never closes", "a bicycle repair shop", "how bees find flowers", "a lost umbrella",
    "the science of rainbows", "a rooftop garden", "a village bakery at dawn", "a solar-powered boat",
    "an old wooden bridge", "a chess tournament for beginners", "why cats knead blankets", "the water cycle",
    "a family recipe for dumplings", "a robot that learns to paint", "a city without cars",
    "the moons of Jupiter", "a quiet train station", "composting kitchen scraps", "a mountain hut in a storm",
    "a second-hand bookshop", "a penguin colony", "learning a new language as an adult",
    "a neighbourhood clean-up day", "the invention of the zipper", "a volcano waking up",
    "a letter found in an attic", "a music teacher who retires", "a desert at night", "tides and the moon",
    "a hot air balloon festival", "a beekeeper's first harvest", "saving money for a trip",
    "the life of a river otter", "a power cut in a big city", "a street musician", "a treehouse",
    "the history of tea", "how a compass works", "a school science fair", "a snow day", "autumn leaves",
    "an astronaut's morning routine", "a small island ferry", "knitting a first scarf",
    "a ghost who is afraid of people", "a time capsule", "a coral reef", "building a birdhouse",
    "the smell of rain", "a forgotten birthday", "a detective cat", "a marathon runner's last mile",
    "an abandoned amusement park", "a dragon who collects teacups", "the migration of monarch butterflies",
    "a small-town radio station", "a wind farm", "a grandmother's garden", "a midnight train",
    "a museum of lost things", "the first telephone call", "a lunar eclipse", "a kite festival",
    "recycling old phones", "a road trip with no map", "a pottery class", "the northern lights",
    "a friendly robot vacuum", "an octopus escaping its tank", "a rainy Sunday afternoon",
    "a student's first lab experiment", "a café run by retirees", "a sailing lesson",
    "a city park at sunrise", "a bookshelf that sorts itself", "the last video rental store",
    "a fox living near a railway", "a sandcastle contest", "the first week at a new school",
]

# yes/no questions, the task of a record that asks for "My answer is yes/no/maybe."
QUESTIONS = [
    "Is it worth learning to swim as an adult?", "Should every town have a public library?",
    "Can a houseplant survive a month without water?", "Is a bicycle a sensible way to commute in winter?",
    "Should children learn to cook at school?", "Is it a good idea to keep bees in a city?",
    "Would a four-day school week help students?", "Can a board game teach real history?",
    "Should old railway lines become walking paths?", "Is handwriting still worth teaching?",
    "Can a small garden feed a family of four?", "Should museums let visitors touch the exhibits?",
    "Is it wise to buy a used electric car?", "Would you recommend camping in the rain?",
    "Should parks turn off their lights at night for the stars?", "Is a paper map better than a phone map?",
    "Can a dog learn to read simple words?", "Should cafés charge for tap water?",
    "Is it better to read a book before seeing the film?", "Should libraries lend tools as well as books?",
    "Can a person really learn to juggle in a week?", "Is winter the best season for a beach walk?",
    "Should cities plant fruit trees on public streets?", "Is a robot a good pet for an older person?",
    "Would a town benefit from a weekly car-free day?", "Should schools start an hour later?",
]

KEYWORDS = ["harbor", "lantern", "whisper", "compass", "velvet", "orchard", "thunder", "ribbon", "puzzle",
            "meadow", "copper", "echo", "blanket", "signal", "journey", "patience", "balance", "garden",
            "window", "silver", "anchor", "festival", "kindness", "ladder", "melody", "shadow", "pebble"]
FORBIDDEN = ["very", "really", "thing", "things", "basically", "nice", "good", "stuff", "just", "actually",
             "amazing", "great", "beautiful", "important", "always", "never", "literally", "huge"]
FREQUENT = ["light", "time", "simple", "together", "change", "small", "careful", "morning", "hope",
            "future", "color", "story", "quiet", "friend", "water", "home", "road", "music"]
FIRST_WORDS = ["today", "imagine", "meanwhile", "finally", "first", "sometimes", "remember", "yesterday",
               "next", "perhaps", "later", "suddenly", "soon", "outside", "once"]
END_PHRASES = ["That is the whole story.", "Until next time.", "Those are my thoughts.", "Now you know.",
               "Over to you.", "Stay curious!", "The end.", "And that is how it went.",
               "Thank you for listening.", "What would you have done?", "See you at the next one."]
SPLITTERS = ["SECTION", "Section", "PARAGRAPH", "Part", "Step", "Chapter", "Scene", "Stage", "Day"]
TITLE_SAMPLES = ["a quiet morning", "the long road", "small wonders", "under the bridge", "notes from home",
                 "the last light"]
PLACEHOLDER_SAMPLES = ["[name]", "[date]", "[city]", "[time]", "[amount]", "[street]"]
LANGUAGES = {"ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "de": "German", "fa": "Persian",
             "fi": "Finnish", "gu": "Gujarati", "hi": "Hindi", "it": "Italian", "kn": "Kannada", "ko": "Korean",
             "mr": "Marathi", "ne": "Nepali", "pa": "Punjabi", "pt": "Portuguese", "ru": "Russian",
             "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "ur": "Urdu", "vi": "Vietnamese",
             "es": "Spanish", "fr": "French", "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "sv": "Swedish"}
# languages whose words are split by spaces and whose sentences end in a full stop: only these are paired with a
# count of words or sentences (a Thai or Hindi answer has no `. ` for the sentence splitter to find)
SPACED = {"bg", "de", "es", "fi", "fr", "it", "nl", "pl", "pt", "ru", "sv", "sw", "tr", "vi"}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]
COMMON_LETTERS = "aeiotnsrl"
MIDDLE_LETTERS = "bcdghmpuwy"
RARE_LETTERS = "qzxj"

# pairs no answer can follow together (or only an odd one), never drawn into one record
CASE = {"change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
        "language:response_language"}
JSON_OK = {"keywords:existence", "keywords:forbidden_words", "keywords:frequency", "keywords:letter_frequency",
           "length_constraints:number_words", "detectable_content:number_placeholders",
           "change_case:capital_word_frequency", "change_case:english_lowercase"}
LANGUAGE_OK = {"punctuation:no_comma", "length_constraints:number_paragraphs",
               "detectable_format:number_bullet_lists", "detectable_format:number_highlighted_sections",
               "detectable_format:title", "startend:quotation", "length_constraints:number_words",
               "length_constraints:number_sentences", "combination:two_responses",
               "detectable_content:number_placeholders", "detectable_content:postscript",
               "keywords:forbidden_words", "detectable_format:multiple_sections"}
CLASHES = {frozenset(p) for p in [
    ("combination:two_responses", "length_constraints:number_paragraphs"),
    ("combination:two_responses", "startend:quotation"),
    ("combination:two_responses", "length_constraints:nth_paragraph_first_word"),
    ("combination:repeat_prompt", "startend:quotation"),
    ("combination:repeat_prompt", "length_constraints:nth_paragraph_first_word"),
    ("length_constraints:nth_paragraph_first_word", "length_constraints:number_paragraphs"),
    ("detectable_format:multiple_sections", "change_case:english_lowercase"),
    ("detectable_format:multiple_sections", "change_case:english_capital"),
    ("detectable_format:constrained_response", "change_case:english_lowercase"),
    ("detectable_format:constrained_response", "change_case:english_capital"),
]}


def clash(a: str, b: str) -> bool:
    """Whether instructions `a` and `b` cannot (or can only oddly) be followed by one answer."""
    if a == b:
        return True
    if a in CASE and b in CASE:
        return True
    for x, y in ((a, b), (b, a)):
        if x == "detectable_format:json_format" and y not in JSON_OK:
            return True
        if x == "language:response_language" and y not in LANGUAGE_OK:
            return True
    return frozenset((a, b)) in CLASHES


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _quoted(items: list[str]) -> str:
    return _words([f'"{w}"' for w in items])


Phrase = Callable[[random.Random, dict[str, Any]], str]


def _params(kind: str, rng: random.Random) -> dict[str, Any]:
    """Parameters for one instruction of type `kind` (IFEval's kwargs keys, IFEval's value types)."""
    if kind == "change_case:capital_word_frequency":
        if rng.random() < 0.6:
            return {"capital_relation": "at least", "capital_frequency": rng.randint(2, 20)}
        return {"capital_relation": "less than", "capital_frequency": rng.randint(2, 10)}
    if kind == "combination:repeat_prompt":
        return {"prompt_to_repeat": ""}                       # filled in with the task sentence
    if kind == "detectable_content:number_placeholders":
        return {"num_placeholders": rng.randint(1, 5)}
    if kind == "detectable_content:postscript":
        return {"postscript_marker": rng.choice(["P.S.", "P.P.S"])}
    if kind == "detectable_format:multiple_sections":
        return {"section_spliter": rng.choice(SPLITTERS), "num_sections": rng.randint(2, 5)}
    if kind == "detectable_format:number_bullet_lists":
        return {"num_bullets": rng.randint(1, 7)}
    if kind == "detectable_format:number_highlighted_sections":
        return {"num_highlights": rng.randint(1, 6)}
    if kind == "keywords:existence":
        return {"keywords": rng.sample(KEYWORDS, rng.randint(1, 3))}
    if kind == "keywords:forbidden_words":
        return {"forbidden_words": rng.sample(FORBIDDEN, rng.randint(1, 4))}
    if kind == "keywords:frequency":
        if rng.random() < 0.65:
            return {"keyword": rng.choice(FREQUENT), "relation": "at least", "frequency": rng.randint(2, 6)}
        return {"keyword": rng.choice(FREQUENT), "relation": "less than", "frequency": rng.randint(2, 4)}
    if kind == "keywords:letter_frequency":
        roll = rng.random()
        if roll < 0.35:
            return {"letter": rng.choice(COMMON_LETTERS), "let_relation": "at least",
                    "let_frequency": rng.randint(10, 40)}
        if roll < 0.7:
            return {"letter": rng.choice(MIDDLE_LETTERS), "let_relation": "at least",
                    "let_frequency": rng.randint(4, 14)}
        return {"letter": rng.choice(RARE_LETTERS), "let_relation": "less than",
                "let_frequency": rng.randint(2, 6)}
    if kind == "language:response_language":
        return {"language": rng.choice(sorted(LANGUAGES))}
    if kind == "length_constraints:nth_paragraph_first_word":
        n = rng.randint(2, 5)
        return {"num_paragraphs": n, "nth_paragraph": rng.randint(1, n), "first_word": rng.choice(FIRST_WORDS)}
    if kind == "length_constraints:number_paragraphs":
        return {"num_paragraphs": rng.randint(2, 6)}
    if kind == "length_constraints:number_sentences":
        if rng.random() < 0.55:
            return {"relation": "at least", "num_sentences": rng.randint(3, 15)}
        return {"relation": "less than", "num_sentences": rng.randint(4, 14)}
    if kind == "length_constraints:number_words":
        if rng.random() < 0.55:
            return {"relation": "at least", "num_words": rng.randrange(50, 401, 10)}
        return {"relation": "less than", "num_words": rng.randrange(40, 301, 10)}
    if kind == "startend:end_checker":
        return {"end_phrase": rng.choice(END_PHRASES)}
    return {}


def _sentence(kind: str, k: dict[str, Any], rng: random.Random) -> str:
    """The instruction of type `kind` with parameters `k`, worded for this project (several wordings each)."""
    pick = rng.choice
    if kind == "change_case:capital_word_frequency":
        n = k["capital_frequency"]
        if k["capital_relation"] == "at least":
            return pick([f"Use at least {n} words written entirely in capital letters.",
                         f"Put {n} or more words in FULL CAPITALS for emphasis."])
        return pick([f"Fewer than {n} of your words may be written in all capitals.",
                     f"Keep the number of all-capital words below {n}."])
    if kind == "change_case:english_capital":
        return pick(["Write the whole reply in English using capital letters only.",
                     "Every letter of your English answer must be upper case.",
                     "Answer in English and type it all in block capitals."])
    if kind == "change_case:english_lowercase":
        return pick(["Write the whole reply in English using lowercase letters only.",
                     "Answer in English without a single capital letter.",
                     "Keep every letter of your English answer in lower case."])
    if kind == "combination:repeat_prompt":
        return pick(["Begin your reply by copying the first sentence of this message exactly as written "
                     "(only that sentence, none of these instructions) and then answer it.",
                     "Open with the request itself, restated word for word: just the first sentence of this "
                     "message. Then give your answer."])
    if kind == "combination:two_responses":
        return pick(["Write two different versions with a line of six asterisks between them and no asterisks "
                     "anywhere else.",
                     "Offer two distinct answers and separate them with a line made of six asterisk characters."])
    if kind == "detectable_content:number_placeholders":
        n, ex = k["num_placeholders"], pick(PLACEHOLDER_SAMPLES)
        return pick([f"Leave at least {n} blanks for the reader to fill in, each written in square brackets "
                     f"like {ex}.",
                     f"Include {n} or more placeholders in square brackets such as {ex}."])
    if kind == "detectable_content:postscript":
        m = k["postscript_marker"]
        stop = "" if m.endswith(".") else "."
        return pick([f"Close with a postscript that starts with {m}{stop}",
                     f"After the main text add a short note beginning with {m}{stop}"])
    if kind == "detectable_format:constrained_response":
        return pick(['Give your verdict as exactly one of these sentences: "My answer is yes." or '
                     '"My answer is no." or "My answer is maybe."',
                     'Say where you stand with one of three exact sentences: My answer is yes. / My answer is '
                     'no. / My answer is maybe.'])
    if kind == "detectable_format:json_format":
        return pick(["Format the entire reply as valid JSON (a markdown code fence around it is fine).",
                     "Your whole output must be a single JSON value and nothing else."])
    if kind == "detectable_format:multiple_sections":
        s, n = k["section_spliter"], k["num_sections"]
        return pick([f"Divide the reply into {n} sections headed {s} 1 and {s} 2 and so on.",
                     f"Organize the answer in {n} parts and label each one {s} X where X is its number."])
    if kind == "detectable_format:number_bullet_lists":
        n = k["num_bullets"]
        point = "point" if n == 1 else "points"
        return pick([f"Include exactly {n} bullet {point} and make each one a line that starts with '* '.",
                     f"Use precisely {n} markdown bullet {point} (lines beginning with *): no more and no fewer."])
    if kind == "detectable_format:number_highlighted_sections":
        n = k["num_highlights"]
        return pick([f"Emphasize at least {n} phrases with markdown italics such as *like this*.",
                     f"Mark {n} or more key passages by wrapping each in single asterisks."])
    if kind == "detectable_format:title":
        return pick([f"Start with a title inside double angle brackets, for example <<{pick(TITLE_SAMPLES)}>>.",
                     "Give the piece a title written as <<title>>."])
    if kind == "keywords:existence":
        w = k["keywords"]
        return pick([f"Be sure to use the {'word' if len(w) == 1 else 'words'} {_words(w)}.",
                     f"Work the {'word' if len(w) == 1 else 'words'} {_quoted(w)} into your reply."])
    if kind == "keywords:forbidden_words":
        w = k["forbidden_words"]
        return pick([f"Avoid the {'word' if len(w) == 1 else 'words'} {_quoted(w)} entirely.",
                     f"Do not write any of these words: {', '.join(w)}."])
    if kind == "keywords:frequency":
        w, n = k["keyword"], k["frequency"]
        if k["relation"] == "at least":
            return pick([f'Use the word "{w}" at least {n} times.', f"Repeat the word {w} {n} or more times."])
        return pick([f'Mention the word "{w}" fewer than {n} times.',
                     f"The word {w} may appear {'only once' if n == 2 else f'at most {n - 1} times'}."])
    if kind == "keywords:letter_frequency":
        c, n = k["letter"], k["let_frequency"]
        if k["let_relation"] == "at least":
            return pick([f"Make sure the letter '{c}' occurs {n} or more times.",
                         f"Use the letter {c} at least {n} times in total."])
        return pick([f"Use the letter '{c}' fewer than {n} times in total.",
                     f"The letter {c} may appear {'only once' if n == 2 else f'at most {n - 1} times'}."])
    if kind == "language:response_language":
        lang = LANGUAGES[k["language"]]
        return pick([f"Reply only in {lang}; no other language should appear.",
                     f"Write your whole answer in {lang}."])
    if kind == "length_constraints:nth_paragraph_first_word":
        n, i, w = k["num_paragraphs"], k["nth_paragraph"], k["first_word"]
        return pick([f"Write exactly {n} paragraphs separated by one blank line; the {ORDINALS[i - 1]} paragraph "
                     f'must open with the word "{w}".',
                     f"Use {n} paragraphs with an empty line between each pair and begin paragraph {i} with "
                     f"the word {w}."])
    if kind == "length_constraints:number_paragraphs":
        n = k["num_paragraphs"]
        return pick([f"Use exactly {n} paragraphs with a line holding only *** between consecutive ones.",
                     f"Split the answer into {n} paragraphs divided by the markdown rule ***."])
    if kind == "length_constraints:number_sentences":
        n = k["num_sentences"]
        if k["relation"] == "at least":
            return pick([f"Write at least {n} sentences.", f"The reply needs {n} sentences or more."])
        return pick([f"Keep it to fewer than {n} sentences.", f"Use no more than {n - 1} sentences."])
    if kind == "length_constraints:number_words":
        n = k["num_words"]
        if k["relation"] == "at least":
            return pick([f"Make it {n} words long or longer.", f"Write no fewer than {n} words."])
        return pick([f"Stay under {n} words.", f"Keep the reply shorter than {n} words."])
    if kind == "punctuation:no_comma":
        return pick(["Do not use a single comma anywhere in the reply.", "Leave out commas completely.",
                     "Write without any commas."])
    if kind == "startend:end_checker":
        p = k["end_phrase"]
        return pick([f'Finish with the exact words "{p}" and write nothing after them.',
                     f'End the reply with "{p}" as its final words.'])
    if kind == "startend:quotation":
        return pick(["Enclose the whole reply in double quotation marks.",
                     'Put the entire answer between a pair of double quotes (").'])
    raise ValueError(f"unknown instruction type {kind}")


def _units(ids: list[str], kwargs: list[dict[str, Any]]) -> int:
    """How many separate blocks (paragraphs, bullets, sections, answers) the instructions ask for."""
    n = 1
    for i, k in zip(ids, kwargs):
        n += {"detectable_format:number_bullet_lists": k.get("num_bullets", 0),
              "detectable_format:multiple_sections": k.get("num_sections", 0),
              "length_constraints:number_paragraphs": k.get("num_paragraphs", 0),
              "length_constraints:nth_paragraph_first_word": k.get("num_paragraphs", 0),
              "combination:two_responses": 2, "combination:repeat_prompt": 1,
              "detectable_content:postscript": 1, "detectable_format:constrained_response": 1,
              "startend:end_checker": 1, "detectable_format:title": 1}.get(i, 0)
    return n


def consistent(ids: list[str], kwargs: list[dict[str, Any]]) -> bool:
    """Whether one answer can follow every instruction: no clashing pair, no required text that breaks a
    bound or a ban of another instruction, and numbers that leave room for each other."""
    if any(clash(a, b) for j, a in enumerate(ids) for b in ids[j + 1:]):
        return False
    required: list[str] = []                  # texts the answer must contain because of some instruction
    for i, k in zip(ids, kwargs):
        if i == "combination:repeat_prompt":
            required.append(k["prompt_to_repeat"])
        elif i == "keywords:existence":
            required += k["keywords"]
        elif i == "startend:end_checker":
            required.append(k["end_phrase"])
        elif i == "length_constraints:nth_paragraph_first_word":
            required.append(k["first_word"])
        elif i == "detectable_format:constrained_response":
            required.append("My answer is maybe.")
        elif i == "detectable_content:postscript":
            required.append(k["postscript_marker"])
        elif i == "keywords:frequency" and k["relation"] == "at least":
            required += [k["keyword"]] * k["frequency"]
        elif i == "detectable_format:multiple_sections":
            required.append(k["section_spliter"])
    text = " ".join(required).lower()
    units = _units(ids, kwargs)
    for i, k in zip(ids, kwargs):
        if i == "keywords:forbidden_words":
            if any(re.search(rf"\b{w}\b", text) for w in k["forbidden_words"]):
                return False
        elif i == "keywords:frequency":
            if k["relation"] == "less than" and text.count(k["keyword"]) >= k["frequency"] - 1:
                return False
        elif i == "keywords:letter_frequency" and k["let_relation"] == "less than":
            if text.count(k["letter"]) >= k["let_frequency"] - 1:
                return False
        elif i == "punctuation:no_comma" and "," in text:
            return False
        elif i == "length_constraints:number_sentences" and k["relation"] == "less than":
            if k["num_sentences"] <= units + 1:
                return False
        elif i == "length_constraints:number_words" and k["relation"] == "less than":
            if k["num_words"] < 20 * units + len(text.split()):
                return False
        elif i == "change_case:capital_word_frequency" and k["capital_relation"] == "less than":
            if "combination:repeat_prompt" in ids or "detectable_format:multiple_sections" in ids:
                return False
        elif i == "length_constraints:nth_paragraph_first_word" and k["nth_paragraph"] == 1:
            if "detectable_format:title" in ids:            # the title would come before the word
                return False
        elif i == "language:response_language" and k["language"] not in SPACED:
            if {"length_constraints:number_words", "length_constraints:number_sentences"} & set(ids):
                return False
    bound = {(i, k.get("relation") or k.get("let_relation") or k.get("capital_relation")): k
             for i, k in zip(ids, kwargs)}
    words_below = bound.get(("length_constraints:number_words", "less than"), {}).get("num_words")
    if words_below is not None:             # room for what the other instructions ask to be counted
        needs = [3 * bound.get(("change_case:capital_word_frequency", "at least"), {}).get("capital_frequency", 0),
                 8 * bound.get(("keywords:letter_frequency", "at least"), {}).get("let_frequency", 0),
                 5 * bound.get(("length_constraints:number_sentences", "at least"), {}).get("num_sentences", 0),
                 3 * bound.get(("keywords:frequency", "at least"), {}).get("frequency", 0)]
        if words_below < max(needs) + 10:
            return False
    words_at_least = bound.get(("length_constraints:number_words", "at least"), {}).get("num_words")
    sentences_below = bound.get(("length_constraints:number_sentences", "less than"), {}).get("num_sentences")
    if words_at_least is not None and sentences_below is not None and words_at_least > 30 * (sentences_below - 1):
        return False
    return True


def make_prompts(n: int = 320, seed: int = 0) -> list[dict[str, Any]]:
    """`n` records, each a distinct task with one to three instructions. Each record's first instruction is
    one of the types used least so far, so all 25 types appear about equally often."""
    rng = random.Random(seed)
    used: Counter[str] = Counter()
    tasks: set[str] = set()
    out: list[dict[str, Any]] = []
    while len(out) < n:
        size = rng.choices([1, 2, 3], weights=[0.35, 0.45, 0.2])[0]
        least = min(used[t] for t in TYPES)
        ids = [rng.choice([t for t in TYPES if used[t] == least])]
        for _ in range(size - 1):
            pool = [t for t in TYPES if not any(clash(t, i) for i in ids)]
            if not pool:
                break
            ids.append(rng.choices(pool, weights=[1.0 / (1 + used[t]) for t in pool])[0])
        if "detectable_format:constrained_response" in ids:
            task = rng.choice(QUESTIONS)          # a question may return, with other instructions
        else:
            task = rng.choice(TEMPLATES).format(t=rng.choice(TOPICS))
        kwargs = [_params(i, rng) for i in ids]
        for i, k in zip(ids, kwargs):
            if i == "combination:repeat_prompt":
                k["prompt_to_repeat"] = task
        if not consistent(ids, kwargs):
            continue
        prompt = " ".join([task] + [_sentence(i, k, rng) for i, k in zip(ids, kwargs)])
        if prompt in {r["prompt"] for r in out} or (task in tasks and task not in QUESTIONS):
            continue
        tasks.add(task)
        used.update(ids)
        out.append({"prompt": prompt, "instruction_id_list": ids, "kwargs": kwargs})
    return out


def write(rows: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def closest(ours: list[str], theirs: list[str]) -> tuple[float, str, str]:
    """The highest rapidfuzz ratio between one of `ours` and one of `theirs`, and that pair."""
    from rapidfuzz import fuzz, process
    best = (0.0, "", "")
    for p in ours:
        hit = process.extractOne(p, theirs, scorer=fuzz.ratio)
        if hit is not None and hit[1] > best[0]:
            best = (float(hit[1]), p, hit[0])
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=320, help="how many records (default 320)")
    ap.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")
    ap.add_argument("--out", type=Path, default=OUT, help=f"where to write them (default {OUT.relative_to(ROOT)})")
    ap.add_argument("--check", type=Path, metavar="INPUT_DATA",
                    help="do not write: print type coverage and the closest match among IFEval's prompts there")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    rows = make_prompts(args.n, args.seed)
    if args.check is None:
        write(rows, args.out)
        print(f"wrote {len(rows)} records to {args.out}")
        return 0
    try:
        theirs = [json.loads(line)["prompt"] for line in args.check.read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot read IFEval prompts from {args.check}: {e}", file=sys.stderr)
        return 2
    counts = Counter(i for r in rows for i in r["instruction_id_list"])
    sizes = Counter(len(r["instruction_id_list"]) for r in rows)
    print(f"{len(rows)} records; instructions per record: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    for t in TYPES:
        print(f"  {counts[t]:4d}  {t}")
    score, ours, match = closest([r["prompt"] for r in rows], theirs)
    print(f"closest IFEval prompt: rapidfuzz ratio {score:.1f}\n  ours:   {ours}\n  theirs: {match}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
