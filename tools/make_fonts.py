"""Regenerate templates/fonts/*.woff2: Latin Modern subsets for the handouts.

    apt-get install fonts-lmodern && python tools/make_fonts.py

Latin Modern (GUST Font License) is the look of LaTeX. The subsets keep Latin,
Greek, digits and the math symbols the handouts use, so every HTML handout can carry
its fonts inline (about 180 kB) and the PDF looks the same. Hangul comes from the
system (Debian fonts-nanum), never from these files.
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

LM = Path("/usr/share/texmf/fonts/opentype/public")
OUT = Path(__file__).resolve().parents[1] / "templates" / "fonts"
TEXT = ("".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x180))
        + "\u0302\u0303\u0304\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2212\u00d7\u00b7"
        + "\u2005\u2009\u200a\u200b")
GREEK = "ΓΔΘΛΞΠΣΦΨΩαβγδεζηθικλμνξπρστυφχψω"
MATH = ("−×·÷±∓∂∑∏√∞≈≠≤≥∈∉⊙∘→←↦⇒⌊⌋⌈⌉‖…⋯⋮⋱′″∗⋅∇✓✗□≔∀∃ℝ()[]{}|<>=+-/,.:;"
        "0123456789\u0302\u0303")
FONTS = {
    "lmroman-regular": (LM / "lm/lmroman10-regular.otf", TEXT + GREEK),
    "lmroman-italic": (LM / "lm/lmroman10-italic.otf", TEXT + GREEK),
    "lmroman-bold": (LM / "lm/lmroman10-bold.otf", TEXT + GREEK),
    "lmmath": (LM / "lm-math/latinmodern-math.otf", GREEK + MATH),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (path, text) in FONTS.items():
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]
        font = TTFont(path)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        font.save(OUT / f"{name}.woff2")
        print(name, (OUT / f"{name}.woff2").stat().st_size, "bytes")


if __name__ == "__main__":
    main()
