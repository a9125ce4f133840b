"""cnntrace: one traced forward / backward / update pass of a small CNN, exact or float.

>>> from tracer import load_example, run_pass
>>> trace = run_pass(load_example("lecture"), mode="exact")
>>> trace.format("dense1.out[0]")
'5.6'
"""

from .builder import build
from .errors import CnnTraceError
from .network import run_pass
from .spec import Spec, SpecError, from_dict, load_example, load_spec, parse_text
from .trace import Trace

__version__ = "0.6.0"


def _repr_html_(trace) -> str:  # a Trace in Jupyter shows as its worked example
    from .report import notebook_html
    return notebook_html(trace)


Trace._repr_html_ = _repr_html_

__all__ = ["CnnTraceError", "Spec", "SpecError", "Trace", "build", "from_dict",
           "load_example", "load_spec", "parse_text", "run_pass", "__version__"]
