"""Korean particles after a filled-in value: '{file}이(가)' becomes 'worksheet.pdf가'.

A catalog sentence writes a particle in both forms after a value it does not know
('{value}은(는)'); once the value is known, the form its last sound takes is chosen: a
Hangul syllable by its final consonant, a digit as it is read aloud (3 삼: 3은; 2 이:
2는), a few words of quantity ids and file names likewise (conv1.out 아웃: conv1.out은;
.pdf 피디에프: worksheet.pdf는). A value whose last sound cannot be told (another
word, a symbol) keeps both forms.
"""

from __future__ import annotations

import re

# form written -> (after a final consonant, after a vowel); (으)로 takes 로 after ㄹ too
FORMS = {"은(는)": ("은", "는"), "이(가)": ("이", "가"), "을(를)": ("을", "를"),
         "와(과)": ("과", "와"), "(으)로": ("으로", "로"), "(이)라는": ("이라는", "라는")}
_FORM = re.compile("|".join(re.escape(form) for form in FORMS))
# the final consonant of how a digit (or %), or a word a value ends in, is read: '' none, 'ㄹ',
# or 'other': the words of quantity ids (conv1.out 아웃) and of file names (.pdf 피디에프)
_DIGITS = dict(zip("0123456789", ["other", "ㄹ", "", "other", "", "", "other", "ㄹ", "ㄹ", ""]),
               **{"%": ""})  # 퍼센트
_WORDS = {"out": "other", "sum": "other", "mask": "", "grad": "", "weight": "", "bias": "",
          "new": "", "ties": "", "argmax": "", "exp": "", "after": "", "pdf": "", "csv": "",
          "npz": "", "png": "", "html": "ㄹ", "yaml": "ㄹ", "yml": "ㄹ", "toml": "ㄹ",
          "json": "other", "tex": "other"}
_WORD = re.compile(r"[A-Za-z]+$")
_CLOSING = "'\"’”)]}»」』>`, "
_FRACTION = re.compile(r"(\d+)\s*/\s*\d+$")  # 5/0 is read 영분의 오: its numerator last
_RIEUL = 8  # the final-consonant index of ㄹ in a Hangul syllable


def final_sound(text: str) -> str | None:
    """'' (a vowel), 'ㄹ' or 'other' (another final consonant) for the last sound of
    ``text`` read aloud, past closing quotes and brackets; None where it cannot be told."""
    text = text.rstrip(_CLOSING)
    fraction = _FRACTION.search(text)
    if fraction:
        text = fraction.group(1)
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        return "" if final == 0 else "ㄹ" if final == _RIEUL else "other"
    if last in _DIGITS:
        return _DIGITS[last]
    word = _WORD.search(text)
    return _WORDS.get(word.group().lower()) if word else None


def attach(value_text: str, following: str) -> str:
    """``following`` (the text after a filled-in value) with a particle it starts with in
    the form the value's last sound takes."""
    match = _FORM.match(following)
    sound = final_sound(value_text) if match else None
    if sound is None:
        return following
    after_consonant, after_vowel = FORMS[match.group()]
    use_vowel_form = sound == "" or (sound == "ㄹ" and match.group() == "(으)로")
    return (after_vowel if use_vowel_form else after_consonant) + following[match.end():]
