"""Korean particles after a filled-in value take the form its last sound calls for."""

import pytest

from tracer.render.assets import plain
from tracer.render.particles import attach


@pytest.mark.parametrize("value, following, said", [
    ("포도", "은(는) x", "는 x"), ("'포도'", "은(는)", "는"), ("사과", "이(가)", "가"),
    ("학생", "와(과)", "과"), ("길", "(으)로", "로"), ("집", "(으)로", "으로"),
    ("3", "은(는)", "은"), ("2", "이(가)", "가"), ("1", "(으)로", "로"), ("3", "(으)로", "으로"),
    ("-0,3'", "은(는)", "은"), ("conv1.out", "은(는)", "은"), ("worksheet.pdf", "이(가)", "가"),
    ("a.yaml", "(으)로도", "로도"), ("conv1.out[0,1]", "을(를)", "을"),
    ("lecture", "와(과)", "와(과)"), ("x", "은(는)", "은(는)"), ("", "이(가)", "이(가)"),
    ("값", "입니다", "입니다"), ("'5/0'", "은(는)", "는"), ("'(2,)'", "이(가)", "가"),
    ("'50%'", "은(는)", "는"),
])
def test_the_form_follows_the_values_last_sound(value, following, said):
    assert attach(value, following) == said


def test_a_catalog_sentence_takes_the_form_of_its_value():
    """'--sample 999이(가)' and '시드은(는)' read wrong; a value whose sound cannot be told
    keeps both forms."""
    assert plain("ko", "usage.at_least", {"noun": "시드", "minimum": 0, "value": -1}) == (
        "시드는 0 이상이어야 하는데 -1입니다")
    assert plain("ko", "error.spec_sources", {"a": "--example lecture", "b": "SPEC (a.toml)"}) \
        .endswith("--example lecture와(과) SPEC (a.toml)이 함께 주어졌습니다")
    assert plain("en", "usage.at_least", {"noun": "a seed", "minimum": 0, "value": -1}) == (
        "expected a seed >= 0, got -1")
