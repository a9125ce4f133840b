"""Built-in networks by name: each preset is a function returning an ordinary spec dict.

* ``lecture-cnn``: the lecture's section-6 network for 28x28x1 MNIST digits: conv 8@3x3
  -> ReLU -> max-pool 2 -> conv 16@3x3 -> ReLU -> max-pool 2 -> flatten (400, H,W,C
  order as the lecture's code) -> dense 10 -> softmax; He initialisation, SGD lr 0.01.
* ``digits-cnn``: the same kind of network sized for scikit-learn's 8x8 digits: conv
  16@3x3 (padding 1) -> ReLU -> max-pool 2 -> flatten (256) -> dense 10 -> softmax.

Without data a preset's input is a seeded synthetic digit (a ring, class 0) whose grey
levels are short decimals, so exact mode prints tidy rationals. Every command that takes
a spec can take ``--preset NAME`` (:func:`add_preset_argument`, :func:`resolve`).
"""

from __future__ import annotations

import argparse
from decimal import Decimal

import numpy as np

from .spec import Spec, SpecError, from_dict

_CONV = "conv2d"


def lecture_cnn(*, seed: int = 0, flatten_order: str = "hwc", learning_rate="0.01",
                image=None, target=None, lang: str = "en") -> dict:
    """The lecture's MNIST network (seed section 6) as a spec dict."""
    layers = [{"type": _CONV, "filters": 8, "size": 3, "init": "he"}, {"type": "relu"},
              {"type": "maxpool2d", "size": 2},
              {"type": _CONV, "filters": 16, "size": 3, "init": "he"}, {"type": "relu"},
              {"type": "maxpool2d", "size": 2},
              {"type": "flatten", "order": flatten_order},
              {"type": "dense", "units": 10, "init": "he"}, {"type": "softmax"}]
    return _spec(_said("lecture-cnn", "title", lang), layers, 28, seed, learning_rate, image,
                 target, _said("lecture-cnn", "description", lang))


def digits_cnn(*, seed: int = 0, flatten_order: str = "chw", learning_rate="0.1",
               image=None, target=None, lang: str = "en") -> dict:
    """A small CNN for scikit-learn's 8x8 handwritten digits as a spec dict."""
    layers = [{"type": _CONV, "filters": 16, "size": 3, "padding": 1, "init": "he"},
              {"type": "relu"}, {"type": "maxpool2d", "size": 2},
              {"type": "flatten", "order": flatten_order},
              {"type": "dense", "units": 10, "init": "he"}, {"type": "softmax"}]
    return _spec(_said("digits-cnn", "title", lang), layers, 8, seed, learning_rate, image,
                 target, _said("digits-cnn", "description", lang))


def _said(name: str, part: str, lang: str) -> str:
    """The preset's title (its layers) or description in the handout's language
    (message preset.NAME.PART)."""
    from .render.assets import plain
    return plain(lang, f"preset.{name}.{part}")


PRESETS = {"lecture-cnn": lecture_cnn, "digits-cnn": digits_cnn}
# training defaults of `cnntrace train --preset NAME` (the lecture: 5 epochs of batch 32;
# digits-cnn: settings that reach ~98 % test accuracy on the 8x8 digits in a few seconds)
TRAINING = {"lecture-cnn": {"epochs": 5, "batch": 32, "data": None},
            "digits-cnn": {"epochs": 20, "batch": 16, "data": "digits"}}


def preset_names() -> list[str]:
    return sorted(PRESETS)


def preset(name: str, **options) -> dict:
    """The spec dict of preset ``name`` (options: seed, flatten_order, learning_rate,
    image, target, lang: the description's language)."""
    try:
        make = PRESETS[name]
    except KeyError:
        raise SpecError.said("spec.unknown_preset", name=repr(name),
                             names=", ".join(preset_names())) from None
    return make(**options)


def load_preset(name: str, **options) -> Spec:
    """:func:`preset`, validated into a Spec."""
    return from_dict(preset(name, **options), f"preset {name}")


def _spec(title, layers, side, seed, learning_rate, image, target, description) -> dict:
    if image is None:
        image, default_target = seeded_digit(side, seed)
        target = default_target if target is None else target
    elif target is None:
        raise SpecError("a preset given an image also needs its target class")
    return {"title": title, "description": description, "seed": int(seed),
            "learning_rate": Decimal(str(learning_rate)), "input": _nested(image),
            "target": int(target), "layers": layers}


def _nested(image):
    """An image (H, W) or (C, H, W) as nested lists (numbers kept as they are)."""
    return image if isinstance(image, list) else np.asarray(image).tolist()


def seeded_digit(side: int, seed: int = 0) -> tuple[list, int]:
    """A synthetic handwritten '0': a slanted ring with seeded size and stroke width,
    grey levels in [0, 1] as 2-decimal Decimals (exact and short). Returns (image, 0)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:side, 0:side] + 0.5
    cy, cx = side / 2 + rng.uniform(-0.05, 0.05, size=2) * side
    ry, rx = side * rng.uniform(0.30, 0.36), side * rng.uniform(0.20, 0.26)
    tilt = rng.uniform(-0.3, 0.3)
    u, v = (xs - cx) + tilt * (ys - cy), ys - cy
    radius = np.sqrt((u / rx) ** 2 + (v / ry) ** 2)
    width = rng.uniform(0.22, 0.3)
    ink = np.clip(1.2 - np.abs(radius - 1) / width, 0, 1)
    levels = np.round(ink * 100).astype(int)
    image = [[Decimal(int(q)) / 100 for q in row] for row in levels]
    return image, 0


# -------------------------------------------------------------------- command line
def add_preset_argument(parser: argparse.ArgumentParser) -> None:
    """``--preset NAME`` (and ``--seed`` for its initialisation) on a command's parser."""
    parser.add_argument("--preset", choices=preset_names(), metavar="NAME",
                        help=f"use a built-in network: {', '.join(preset_names())}")
    try:
        parser.add_argument("--seed", type=int, default=None, metavar="S",
                            help="seed for the preset's weights and input (default 0)")
    except argparse.ArgumentError:  # the command has its own --seed: the preset uses it
        pass


def resolve(args, **options) -> Spec | None:
    """The Spec named by ``--preset`` (None when not given). Refuses a SPEC file or
    --example given as well, so a command can do ``resolve(args) or load_spec_argument
    (args)``."""
    name = getattr(args, "preset", None)
    if not name:
        return None
    if getattr(args, "spec", None) or getattr(args, "example", None):
        raise SpecError.said("spec.two_sources")
    seed = getattr(args, "seed", None)
    if seed is not None:
        options.setdefault("seed", seed)
    return load_preset(name, **options)
