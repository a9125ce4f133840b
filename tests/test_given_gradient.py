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
