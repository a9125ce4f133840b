"""Class batches: one generated variant per student, each with its worksheet and key.

For variant n (1, 2, ...) of a batch with seed S the generator's seed is
S * 10000 + n - 1 (so variant 1 of seed 0 is ``cnntrace generate --seed 0``, and
batches with different seeds never share a variant), and its id, printed in the page
header of every page of its worksheet and key, is ``S-nn``. Per variant the folder gets

    <id>.worksheet.pdf  <id>.key.pdf     (and .html with html=True)
    <id>.answers.yaml                    the fill-in answer sheet `cnntrace check` reads
    <id>.spec.toml                       the spec, to check answers or regenerate

and for the batch ``index.csv``, ``index.html`` and ``index.json`` (variant -> seed ->
files, and any failure). Variants render in parallel processes; one that fails is
reported in the index and the others are kept. The same seed gives the same numbers
and the same HTML.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import CnnTraceError, Said
from .files import (OutputError, cannot_create_in, check_folder, check_target, is_generated,
                    make_folder, refusal, write_all, write_atomic)
from .generate import GenerateError, Options, generate, spec_toml, validate

MAX_COUNT = 5000
SEED_STRIDE = 10_000  # variant seeds: S * SEED_STRIDE + n - 1 (n <= MAX_COUNT)
KINDS = ("worksheet_pdf", "key_pdf", "worksheet_html", "key_html", "answers", "spec")
SUFFIXES = {"worksheet_pdf": "worksheet.pdf", "key_pdf": "key.pdf",
            "worksheet_html": "worksheet.html", "key_html": "key.html",
            "answers": "answers.yaml", "spec": "spec.toml"}
INDEX_FILES = ("index.csv", "index.html", "index.json")
EDITABLE = ("answers", "spec")  # no generator mark inside: the index keeps their sha256


@dataclass
class Variant:
    """One student's exercise: its number, id, generator seed and spec."""

    number: int
    id: str
    seed: int
    spec: dict | None = None  # generator output; None when generation failed
    files: dict[str, str] = field(default_factory=dict)  # kind -> file name
    digests: dict[str, str] = field(default_factory=dict)  # editable file name -> sha256
    error: str | None = None
    said: object = None  # the error as a catalog sentence, where it has one (Said)

    @property
    def status(self) -> str:
        return "failed" if self.error else "ok"


@dataclass(frozen=True)
class Settings:
    """What every variant renders (picklable, sent to the worker processes)."""

    out_dir: str
    blank: str = "all"
    pdf: bool = True
    html: bool = False
    lang: str = "en"
    digits: int = 4

    def kinds(self) -> tuple[str, ...]:
        wanted = {"worksheet_pdf": self.pdf, "key_pdf": self.pdf, "worksheet_html": self.html,
                  "key_html": self.html, "answers": True, "spec": True}
        return tuple(k for k in KINDS if wanted[k])


# -------------------------------------------------------------------------- planning
def variant_id(seed: int, number: int, count: int) -> str:
    return f"{seed}-{number:0{max(2, len(str(count)))}d}"


def plan(count: int, seed: int, opts: Options) -> list[Variant]:
    """The variants of a batch with their specs (fast: generation only, in order).

    A variant whose numbers equal an earlier one's is drawn again from the seed
    ``S * 10000 + 5000 + n - 1``; a variant the generator cannot make is kept with
    its error."""
    if not 1 <= count <= MAX_COUNT:
        raise CnnTraceError.said("batch_count", most=MAX_COUNT, got=count)
    if seed < 0:
        raise CnnTraceError.said("batch_seed", got=seed)
    validate(opts)
    variants, seen = [], set()
    for number in range(1, count + 1):
        variant = Variant(number, variant_id(seed, number, count),
                          seed * SEED_STRIDE + number - 1)
        for candidate in (variant.seed, variant.seed + MAX_COUNT):
            try:
                data = generate(candidate, opts)
            except GenerateError as err:
                variant.error, variant.said = str(err), err.sentence
                break
            numbers = json.dumps({k: v for k, v in data.items() if k not in ("seed", "title")},
                                 default=str, sort_keys=True)
            if numbers not in seen:
                seen.add(numbers)
                variant.seed, variant.spec = candidate, {**data, "variant": variant.id}
                break
        else:
            variant.said = Said("batch.twice")
            variant.error = variant.said.text("en")
        variants.append(variant)
    return variants


def _targets(variants, settings: Settings) -> list[Path]:
    out = Path(settings.out_dir)
    paths = [out / f"{v.id}.{SUFFIXES[k]}" for v in variants if v.spec for k in settings.kinds()]
    return paths + [out / name for name in INDEX_FILES]


def check_targets(paths: list[Path], out_dir: Path, overwrite: bool) -> None:
    """Refuse (before any work) to replace files cnntrace did not write, or wrote and
    someone edited since (a filled answer sheet, a spec "edit it freely" invited): the
    folder's earlier index.json lists its batch's files with the sha256 of each
    answer sheet and spec."""
    check_folder(out_dir)
    listed, digests = _previous_files(out_dir)
    left_out = sorted(name for name in listed - {p.name for p in paths}
                      if (out_dir / name).exists())
    if left_out and not overwrite:  # a new index would lose track of them
        raise OutputError.said("another_batch", folder=out_dir, count=len(left_out),
                               example=left_out[0])
    for path in paths:
        if path.is_symlink() or (path.exists() and not (path.is_file() or path.is_dir())):
            check_target(path, overwrite=True)  # a link or device is never replaced (a
            # folder fails only its own variant, as any variant's error does)
        if overwrite or not path.exists():
            continue
        if path.name in digests:
            if path.is_file() and _sha256(path.read_bytes()) != digests[path.name]:
                raise OutputError.said("changed_since", path=path)
            continue
        if path.name not in listed and not (path.is_file() and is_generated(path)):
            raise refusal(path, "folder")


def _previous_files(out_dir: Path) -> tuple[set[str], dict[str, str]]:
    """The file names the folder's earlier index.json lists (with the index files), and
    the sha256 it recorded for each answer sheet and spec. A listed answer sheet or spec
    without a recorded sha256 (an index written before they were kept) is not in the
    first set: it is replaced only with --force."""
    index = out_dir / "index.json"
    if not (index.is_file() and is_generated(index)):
        return set(), {}
    try:
        variants = json.loads(index.read_text(encoding="utf-8")).get("variants", [])
        listed = {name for v in variants for kind, name in v.get("files", {}).items()
                  if isinstance(name, str) and kind not in EDITABLE}
        digests = {name: digest for v in variants for name, digest in
                   v.get("sha256", {}).items() if isinstance(name, str)}
    except (ValueError, AttributeError, TypeError):
        return set(), {}
    return listed | set(digests) | set(INDEX_FILES), digests


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------- rendering
def render_variant(variant: Variant, settings: Settings) -> Variant:
    """Render and write one variant's files (runs in a worker process). Errors are
    returned in ``variant.error``, never raised."""
    try:
        variant.files, variant.digests = _render_files(variant, settings)
    except Exception as err:  # noqa: BLE001 - one variant's failure must not stop others
        variant.error = _one_line(err)
    return variant


def _render_files(variant: Variant, settings: Settings) -> tuple[dict, dict]:
    """Write the variant's files; returns {kind: file name} and {file name: sha256} of
    its answer sheet and spec."""
    from .network import run_pass
    from .present.blanks import select_hidden
    from .present.handout import build_document
    from .render.assets import plain
    from .render.html import render_html
    from .sheet import sheet_text, shown_refs
    from .spec import from_dict

    spec = from_dict(variant.spec, f"variant {variant.id}")
    trace = run_pass(spec)
    hidden = select_hidden(trace, settings.blank)
    document = build_document(trace, digits=settings.digits, hidden=hidden)
    names = {kind: f"{variant.id}.{SUFFIXES[kind]}" for kind in settings.kinds()}
    data: dict[str, str | bytes] = {
        "answers": sheet_text(trace, settings.blank, variant=variant.id,
                              spec_name=names["spec"], refs=shown_refs(trace, hidden, document),
                              lang=settings.lang,
                              answers_name=names["answers"]),
        "spec": spec_toml(variant.spec, f"cnntrace generate --seed {variant.seed} ("
                          + plain(settings.lang, "generated.variant", {"variant": variant.id})
                          + ")", settings.lang),
    }
    for view in ("worksheet", "key"):
        if settings.html:
            data[f"{view}_html"] = render_html(document, settings.lang, view, hidden, variant.id)
        if settings.pdf:
            from .render.pdf import render_pdf
            data[f"{view}_pdf"] = render_pdf(render_html(
                document, settings.lang, view, hidden, variant.id, inline_fonts=False))
    out = Path(settings.out_dir)
    for kind in settings.kinds():  # the checks were made before any variant started
        write_atomic(out / names[kind], data[kind], overwrite=True)
    return names, {names[kind]: _sha256(data[kind].encode("utf-8")) for kind in EDITABLE}


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    if not isinstance(err, CnnTraceError):
        frame = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
        where = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
        text = f"{type(err).__name__}: {text}{where}"
    return text


def _warm_up(settings: Settings) -> None:
    """Import the renderers once in the parent: forked workers start with them."""
    from .present import handout  # noqa: F401
    from .render import html  # noqa: F401
    if settings.pdf:
        from .render.pdf import preload
        preload()


def run_batch(variants: list[Variant], settings: Settings, *, jobs: int | None = None,
              overwrite: bool = False, progress: bool = True) -> list[Variant]:
    """Render every variant (in ``jobs`` processes; default: all cores), write the
    index, and return the variants with their files or errors, in order."""
    out_dir = Path(settings.out_dir)
    targets = _targets(variants, settings)
    check_targets(targets, out_dir, overwrite)
    listed, _ = _previous_files(out_dir)  # an earlier run's, which this one may replace
    existed = {path for path in targets if path.exists() and path.name not in listed}
    make_folder(out_dir)
    why = cannot_create_in(out_dir)
    if why:  # before any variant is rendered
        raise OutputError.said("cannot_write", path=out_dir, why=why)
    todo = [v for v in variants if v.spec is not None]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    done = {v.number: v for v in variants if v.spec is None}
    bar = _NoBar()
    try:
        if jobs == 1:
            bar = _progress_bar(len(todo), progress)
            for variant in todo:
                done[variant.number] = render_variant(variant, settings)
                bar.update(1)
        else:
            _warm_up(settings)
            with ProcessPoolExecutor(max_workers=jobs, initializer=_leave_interrupts) as pool:
                futures = {pool.submit(render_variant, v, settings): v for v in todo}
                bar = _progress_bar(len(todo), progress)  # its thread starts after the forks
                try:
                    for future in as_completed(futures):
                        variant = futures[future]
                        try:
                            done[variant.number] = future.result()
                        except Exception as err:  # noqa: BLE001 - e.g. a worker process died
                            variant.error = _one_line(err)
                            done[variant.number] = variant
                        bar.update(1)
                except KeyboardInterrupt:  # the variants being rendered finish, no others
                    pool.shutdown(wait=True, cancel_futures=True)
                    for future, variant in futures.items():
                        if future.done() and not future.cancelled() and \
                                future.exception() is None:
                            done.setdefault(variant.number, future.result())
                    raise
    except KeyboardInterrupt:
        bar.close()
        for variant in todo:
            if variant.number not in done:
                done[variant.number] = _interrupted(variant, settings, existed)
        write_index([done[v.number] for v in variants], settings, out_dir)
        raise
    bar.close()
    result = [done[v.number] for v in variants]
    write_index(result, settings, out_dir)
    return result


def _leave_interrupts() -> None:
    """A worker ignores Ctrl-C (the terminal sends it to every process of the batch):
    the parent stops the queue, and the variants being rendered finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupted(variant: Variant, settings: Settings, existed: set[Path]) -> Variant:
    """A variant Ctrl-C stopped: its files that this run or an earlier one of the batch
    wrote (``existed``: the others, which were there before), listed with their sha256
    in the index, so that the same command run again replaces them without --force."""
    out = Path(settings.out_dir)
    names = {kind: f"{variant.id}.{SUFFIXES[kind]}" for kind in settings.kinds()}
    variant.files = {kind: name for kind, name in names.items()
                     if (out / name).is_file() and out / name not in existed}
    variant.digests = {name: _sha256((out / name).read_bytes())
                       for kind, name in variant.files.items() if kind in EDITABLE}
    variant.said = Said("batch.interrupted")
    variant.error = variant.said.text("en")
    return variant


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, unit="variant", desc="cnntrace batch", file=sys.stderr,
                disable=None, dynamic_ncols=True)


# ----------------------------------------------------------------------------- index
def index_rows(variants: list[Variant]) -> list[dict]:
    return [{"variant": v.id, "seed": v.seed, "status": v.status,
             **{kind: v.files.get(kind, "") for kind in KINDS}, "error": v.error or ""}
            for v in variants]


def write_index(variants: list[Variant], settings: Settings, out_dir: Path) -> list[Path]:
    from . import __version__
    from .render.index import render_index

    rows = index_rows(variants)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["variant"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    manifest = {"format": "cnntrace-batch", "version": 1, "generator": f"cnntrace {__version__}",
                "settings": {k: v for k, v in asdict(settings).items() if k != "out_dir"},
                "variants": [{"variant": v.id, "number": v.number, "seed": v.seed,
                              "status": v.status, "files": v.files, "sha256": v.digests,
                              "error": v.error}
                             for v in variants]}
    files = {out_dir / "index.csv": text.getvalue(),
             out_dir / "index.html": render_index(  # (the CSV and JSON keep English)
                 [{**row, "error": v.said.text(settings.lang) if v.said else row["error"]}
                  for row, v in zip(rows, variants)], settings.blank, __version__,
                 settings.lang),
             out_dir / "index.json": json.dumps(manifest, indent=1) + "\n"}
    return write_all(files, overwrite=True)  # checked with the variants' files
