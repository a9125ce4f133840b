"""A given upstream gradient is named with the letter the layer's formulas use."""

from __future__ import annotations

import pytest

from tracer.cli import main


@pytest.mark.parametrize("args, letter", [
    (["conv", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", "--kernel", "[[1,0],[0,1]]",
      "--grad-out", "[[1,2],[3,4]]"], "Z"),
    (["relu", "--input", "[[1,-2],[3,4]]", "--grad-out", "[[1,2],[3,4]]"], "A"),
    (["maxpool", "--input", "[[1,2],[3,4]]", "--size", "2", "--grad-out", "[[1]]"], "P"),
])
def test_the_given_gradient_has_the_outputs_letter(args, letter, capsys):
    """It was ∂L/∂Y, while every formula after it wrote ∂L/∂Z for the same tensor."""
    assert main(["explain", *args]) == 0
    out = capsys.readouterr().out
    assert f"The gradient arriving at the output {letter} of" in out
    assert f"(∂ L)/(∂ {letter}) = [" in out
    assert "∂ Y" not in out


def test_a_given_gradient_through_softmax_works_out_as_printed():
    """dL/dz0 = 0.9427 · (1 − 0.9427) = 0.05404 read 0.05402 on a calculator: 1 − S
    cancels, so S (and its terms) get the digits the difference needs."""
    from decimal import Decimal

    from tracer import from_dict, run_pass
    from tracer.present.handout import build_document
    from tracer.present.holding import _works_out
    from tracer.present.context import Context
    spec = from_dict({"input": [2], "grad_out": [1, 0], "layers": [
        {"type": "dense", "weight": [[1.4, -0.0]], "bias": [0, 0]}, {"type": "softmax"}]})
    trace = run_pass(spec)
    document = build_document(trace)
    [section] = [s for s in document.sections if s.key == "softmax.backward.title"]
    lines = [line for block in section.blocks[2:] for line in block.lines]
    assert len(lines) == 3 and all(_works_out(line, Context(trace)) for line in lines)
    total = lines[0].items[-1].text
    assert Decimal(total) == round(Decimal(trace.numbers("softmax1.out")[0].item()), 6)
