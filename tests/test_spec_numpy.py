"""A notebook user's spec: numpy arrays and scalars where the files have lists and
numbers; and what is not a spec at all."""

from __future__ import annotations

import numpy as np
import pytest

from tracer import from_dict, run_pass
from tracer.spec import SpecError


def spec_data(convert):
    return {"input": convert([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]),
            "target": 1, "learning_rate": 0.1,
            "layers": [{"type": "conv2d", "weight": convert([[1, -1], [0.5, 0.25]]),
                        "bias": 0.5},
                       {"type": "flatten"},
                       {"type": "dense", "weight": convert([[1, 0], [0, 1], [1, 1], [0, 2]])},
                       {"type": "softmax"}]}


def test_numpy_arrays_and_scalars_read_as_the_same_numbers():
    """np.float64's repr ('np.float64(0.1)') is not a decimal, np.int64 is not an int:
    both read as the Python numbers, so exact mode sees 0.1 as 1/10 either way."""
    plain = from_dict(spec_data(lambda x: x))
    data = spec_data(np.array)
    data.update(target=np.int64(1), learning_rate=np.float64(0.1))
    data["layers"][0]["bias"] = np.float64(0.5)
    numpy = from_dict(data)
    assert numpy.inputs == plain.inputs and numpy.targets == plain.targets
    assert numpy.learning_rate == plain.learning_rate
    assert run_pass(numpy, "exact").to_json() == run_pass(plain, "exact").to_json()


@pytest.mark.parametrize("data, got", [(None, "nothing"), ([1], "a list of 1"),
                                       ("input", "the text 'input'")])
def test_what_is_not_a_table_is_named(data, got):
    with pytest.raises(SpecError, match=f"<spec>: expected a table of keys .* got {got}"):
        from_dict(data)


def test_a_numpy_text_array_is_still_refused_by_field():
    with pytest.raises(SpecError, match=r"input\[0\]\[0\]: expected a number, got the text"):
        from_dict(spec_data(lambda x: np.array(x).astype(str)))
