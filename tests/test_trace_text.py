"""`cnntrace trace`'s listing: updated parameters show their change."""

from __future__ import annotations

import re

import pytest

from tracer import load_example, run_pass
from tracer.present.text import render_text


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_updated_parameters_never_read_as_unchanged(mode):
    """At 4 digits W_dense = 0.5 would print 0.5 after the update too; the listing adds
    the digits that show the step (as the worked example does)."""
    text = render_text(run_pass(load_example("lecture"), mode), digits=4)
    update = text[text.index("SGD update"):text.index("After the update")]
    assert "[ 0.5000203  -0.5000203]" in update
    assert "[1.000001846]" in update  # conv1.bias_new: 1 + 1.846e-6
    assert "[0.100001846  0.199998154]" in update
    before = text[:text.index("SGD update")]
    assert re.search(r"dense1\.weight  \(1x2\)\n  \[ 0\.5  -0\.5\]", before)


def test_more_digits_never_show_fewer_in_the_listing():
    four, eight = (render_text(run_pass(load_example("lecture")), digits=d) for d in (4, 8))
    assert "0.5000203 " in four and "0.50002030" in eight
