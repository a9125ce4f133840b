"""`cnntrace train`: mini-batch SGD on real digits with the engine's own layers."""

from __future__ import annotations

import sys

from ..usage import english
from . import add_spec_arguments, load_spec_argument, path_name, positive_count

DEFAULT_EPOCHS, DEFAULT_BATCH = 5, 32


def register(commands) -> None:
    parser = commands.add_parser(
        "train", help="train a network on real digits (scikit-learn's 8x8 digits or MNIST "
        "files) and save its weights")
    add_spec_arguments(parser, sample=False, seed_help="seed for the initial weights and "
                       "the shuffling (default: the spec's seed, 0 for presets)")
    parser.add_argument("--epochs", type=positive_count, metavar="E",
                        help=f"passes over the training images (default {DEFAULT_EPOCHS}; "
                        "digits-cnn: 20)")
    parser.add_argument("--batch", type=positive_count, metavar="B",
                        help=f"images per SGD step (default {DEFAULT_BATCH}; digits-cnn: 16)")
    parser.add_argument("--lr", type=_rate, metavar="L",
                        help="learning rate (default: the spec's)")
    parser.add_argument("--data", metavar="DATA", type=path_name,
                        help="'digits' (scikit-learn's 8x8 digits, the default for 8x8 "
                        "networks), a folder with the MNIST IDX files, or an MNIST .npz")
    parser.add_argument("--limit", type=positive_count, metavar="N",
                        help="use only the first N training images")
    parser.add_argument("--test-limit", type=positive_count, metavar="N",
                        help="use only the first N test images")
    parser.add_argument("--save", metavar="FILE.npz", type=path_name,
                        help="write the trained weights")
    parser.add_argument("--history", metavar="FILE.json", type=path_name,
                        help="write the per-epoch loss and accuracy as JSON (timings only "
                        "on the terminal, so the same seed gives the same files)")
    parser.add_argument("--html", metavar="FILE.html", type=path_name,
                        help="write a training summary: loss and accuracy per epoch as "
                        "charts, the epochs and the settings (one file, no JavaScript)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the terminal lines and the --html summary")
    parser.add_argument("--force", action="store_true",
                        help="replace existing output files, also a --save weights file "
                        "(kept otherwise: handouts and answer sheets name it)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def _rate(text: str) -> str:
    """argparse type: a positive learning rate that float64 holds (1e999999 would be inf
    and 1e-999999 would be 0, which trains nothing), as written (the summary shows 1e8,
    which as a Decimal is 1E+8)."""
    import argparse
    import math
    from decimal import Decimal, InvalidOperation
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(english("usage.number", value=repr(text))) from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(english("usage.rate", value=text))
    if not 0 < float(value) < math.inf:
        raise argparse.ArgumentTypeError(english("usage.rate_float64", value=text))
    return text.strip()


def run(args) -> int:
    import time

    from ..data import DataError, load_data
    from ..errors import Said
    from ..files import write_all
    from ..presets import TRAINING
    from ..render.assets import plain
    from ..train import TrainingError, history_json, prepare, train
    from ..weights import weights_archive

    spec = load_spec_argument(args)
    _check_outputs(args)
    defaults = TRAINING.get(args.preset or "", {})
    epochs = args.epochs or defaults.get("epochs", DEFAULT_EPOCHS)
    batch = args.batch or defaults.get("batch", DEFAULT_BATCH)
    source = args.data or defaults.get("data") or _default_data(spec)
    data = load_data(source).limit(args.limit, args.test_limit)
    _check_outputs(args)  # again, now that the data read is known: not over it either
    if not len(data.y_train):
        raise DataError.said("train.no_training", source=source)
    if not len(data.y_test):
        raise DataError.said("train.no_test", source=source)
    prepare(spec, data, args.lr)  # images and classes fit the network: before any output
    out = sys.stdout
    say = _sayer(args.lang)
    print(say("start", epochs, network=spec.title or spec.source, train=len(data.y_train),
              test=len(data.y_test), data=data.name, epochs=epochs, batch=batch), file=out)
    bar = _Progress(epochs, len(data.y_train), quiet=args.quiet, say=say)
    started = time.perf_counter()
    result = train(spec, data, epochs=epochs, batch=batch, learning_rate=args.lr,
                   seed=spec.seed, on_batch=bar.batch, on_epoch=bar.epoch)
    seconds = time.perf_counter() - started
    done = len(result.history)
    if result.divergence:
        why = Said("terminal.train.diverged", {"why": result.divergence,
                                               "rate": f"{float(result.learning_rate):g}"})
        if args.save:  # nothing is written: the other outputs go with the weights
            raise TrainingError.said("train.not_written", path=args.save, diverged=why)
        bar.close()
        print(f"cnntrace: {plain(args.lang, 'terminal.warning')}: {why.text(args.lang)}",
              file=sys.stderr)
    else:
        tested = len(data.y_test)
        print(say("done", done, accuracy=f"{result.accuracy * 100:.2f}", epochs=done,
                  held_out=say("held_out", tested, images=tested), seconds=f"{seconds:.1f}"),
              file=out)
    files = {}
    if args.save:
        files[args.save] = weights_archive(result, path=args.save,
                                           extra={"preset": args.preset, "seed": spec.seed,
                                                  "epochs": epochs, "batch": batch})
    if args.history:
        files[args.history] = history_json(result)
    if args.html:
        from ..render.training import render_summary
        settings = {"network": spec.title or spec.source, "preset": args.preset,
                    "source": None if args.preset else (args.spec or f"--example {args.example}"),
                    "epochs": epochs, "batch": batch, "diverged": result.divergence,
                    "lr": args.lr or str(result.learning_rate),  # as written: 1e8, not 1E+8
                    "seed": spec.seed, "data": data.source or source,
                    "train": len(data.y_train), "test": len(data.y_test),
                    "weights": args.save}
        files[args.html] = render_summary(result.history, settings, args.lang)
    write_all(files, overwrite=args.force)
    for option in ("save", "history", "html"):
        if getattr(args, option):
            print(say(f"written.{option}", path=getattr(args, option)), file=out)
    return 1 if result.divergence else 0  # the outputs describe a failed training


def _check_outputs(args) -> None:
    """Refuse unusable --save/--history/--html targets before the training, not after it
    with some of them written."""
    from pathlib import Path

    from ..files import OutputError, check_target
    seen = {}
    for option in ("--save", "--history", "--html"):
        name = getattr(args, option[2:])
        if name is None:
            continue
        path = Path(name)
        check_target(path, args.force)
        same = seen.setdefault(path.resolve(), option)
        if same != option:
            raise OutputError.said("same_output", option=option, path=path, same=same)


def _default_data(spec) -> str:
    """'digits' for an 8x8 network, else an error saying which images --data must give."""
    from ..builder import build
    from ..spec import SpecError
    net = build(spec, "float")
    shape, classes = net.shapes[0], net.shapes[-1][0]
    if shape == (1, 8, 8):
        return "digits"
    if len(shape) != 3 or shape[0] != 1:
        raise SpecError.said("train.input_shape", source=spec.source, shape=shape)
    if net.layers[-1].type != "softmax":
        raise SpecError.said("train.softmax", source=spec.source, kind=net.layers[-1].type)
    if (shape[1], shape[2]) == (28, 28) and classes >= 10:
        raise SpecError.said("train.needs_mnist", source=spec.source)
    raise SpecError.said("train.needs_data", source=spec.source, size=f"{shape[1]}x{shape[2]}",
                         classes=classes, last=min(classes, 10) - 1)


class _Progress:
    """A tqdm bar per epoch (when tqdm is installed), else one line per epoch."""

    def __init__(self, epochs: int, total: int, quiet: bool = False, say=None):
        self.epochs, self.total, self.quiet = epochs, total, quiet
        self.say = say or _sayer("en")
        self.bar = None
        try:
            import tqdm
            self.tqdm = tqdm.tqdm
        except ImportError:
            self.tqdm = None

    def batch(self, epoch, done, total, loss):
        if self.quiet or self.tqdm is None:
            return
        if self.bar is None:
            self.bar = self.tqdm(total=total, desc=self.say("bar", epoch=epoch, epochs=self.epochs),
                                 unit=self.say("bar_unit"), leave=False, file=sys.stderr,
                                 disable=None)  # no bar where stderr is not a terminal
        self.bar.update(done - self.bar.n)
        self.bar.set_postfix_str(self.say("bar_loss", loss=f"{loss:.4f}"), refresh=False)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def epoch(self, record):
        """One line per epoch (its seconds on the terminal only, not in any file)."""
        from ..train import figure
        self.close()
        print(self.say("epoch", epoch=f"{record['epoch']:>3}", epochs=self.epochs,
                       loss=figure(record["loss"], 4),
                       accuracy=f"{record['accuracy'] * 100:6.2f}",
                       seconds=f"{record['seconds']:.1f}"), flush=True)


def _sayer(lang: str):
    """The terminal's lines in ``lang``: say(key, count=None, **fields) fills the message
    terminal.train.<key> (.one or .many after ``count``, for English plurals)."""
    from ..render.assets import plain

    def say(key: str, count: int | None = None, **fields) -> str:
        suffix = "" if count is None else ".one" if count == 1 else ".many"
        return plain(lang, f"terminal.train.{key}{suffix}", fields)
    return say
