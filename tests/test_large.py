"""The lecture's full network (section 6): a readable handout with heatmaps."""

from __future__ import annotations

import io
import re

import pytest

from tracer import run_pass
from tracer.presets import load_preset
from tracer.report import render

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def handout():
    return render(run_pass(load_preset("lecture-cnn")), ("html", "pdf"))


def test_lecture_cnn_handout_stays_under_30_pages(handout):
    assert len(pypdf.PdfReader(io.BytesIO(handout["pdf"])).pages) < 30


def test_feature_maps_are_heatmaps_with_a_scale(handout):
    html = handout["html"]
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" width="(\d+)" height="(\d+)" '
                        r'alt="heatmap (\d+)×(\d+)"', html)
    sizes = {(int(h), int(w)) for _, _, h, w in images}
    assert (28, 28) in sizes and (26, 26) in sizes and (11, 11) in sizes  # input, conv1, conv2
    assert html.count('class="scale"') == len(images)
    assert all(int(w) <= 400 and int(h) <= 400 for w, h, _, _ in images)


def test_one_representative_cell_per_filter_is_expanded(handout):
    html = handout["html"]
    for layer, filters in (("conv1", 8), ("conv2", 16)):
        section = html.split(f'id="fwd-{layer}"')[1].split("</section>")[0]
        expanded = {int(f) for f in re.findall(r"filter (\d+)", section)} or \
            set(re.findall(r"<i>Z</i><sub>(\d+),", section))
        assert len(expanded) == filters, layer
    assert "⋯" in html  # long sums are shortened, and said so
