"""Exact real numbers beyond the rationals: e^q, log q, 1/q kept as symbols.

Rationals stay :class:`fractions.Fraction` (fast, exact). Softmax, sigmoid and the
losses bring in transcendental numbers; a :class:`Real` is a Laurent polynomial with
rational coefficients over *atoms* ``exp(a)``, ``log(a)`` and ``1/a``, where ``a`` is
itself exact. Backpropagation only adds and scales, so gradients stay small
polynomials (``11/2 * exp(28/5) * 1/(exp(28/5) + exp(-53/10)) - 11/2``), and every
value can be evaluated to any number of significant digits with mpmath.
"""

from __future__ import annotations

import re
from fractions import Fraction
from numbers import Rational

import mpmath

Exact = "Fraction | Real"
_MAX_BITS = 1 << 15


class Atom:
    """One transcendental number: ``kind`` in {'exp', 'log', 'inv'} applied to ``arg``."""

    __slots__ = ("kind", "arg", "key", "_hash", "_cache", "_intervals", "_text")

    def __init__(self, kind: str, arg):
        self.kind = kind
        self.arg = arg
        self.key = f"{kind}({to_text(arg, canonical=True)})"
        self._hash = hash(self.key)
        self._cache: dict[int, mpmath.mpf] = {}
        self._intervals: dict[int, object] = {}
        self._text = None

    @property
    def text(self) -> str:
        """Display form, e.g. ``exp(28/5)``; for 'inv' just the parenthesised argument."""
        if self._text is None:
            inner = to_text(self.arg)
            self._text = f"({inner})" if self.kind == "inv" else f"{self.kind}({inner})"
        return self._text

    def __eq__(self, other):
        return isinstance(other, Atom) and self.key == other.key

    def __hash__(self):
        return self._hash

    def interval(self, bits: int):
        """The atom's value as an mpmath interval at ``bits`` (memoized)."""
        if bits not in self._intervals:
            self._intervals[bits] = _atom_interval(self, bits)
        return self._intervals[bits]

    def value(self, bits: int) -> mpmath.mpf:
        """The atom's value with ``bits`` of working precision (memoized)."""
        if bits not in self._cache:
            x = _evaluate_at(self.arg, bits)
            with mpmath.workprec(bits):
                fn = {"exp": mpmath.exp, "log": mpmath.log, "inv": lambda v: 1 / v}[self.kind]
                self._cache[bits] = fn(x)
        return self._cache[bits]


def _atom_interval(atom, bits: int):
    """The atom's value as an mpmath interval at ``bits`` (the interval context's
    precision set by the caller); the whole line where it is not defined yet (the log
    of an argument whose interval still reaches 0)."""
    iv = mpmath.iv
    arg = _enclose(atom.arg, bits)
    if atom.kind == "exp":
        return iv.exp(arg)
    low, high = mpmath.mpf(arg.a), mpmath.mpf(arg.b)
    if low <= 0 <= high:
        return iv.mpf([-mpmath.inf, mpmath.inf])
    if atom.kind == "inv":
        return 1 / arg
    near_one = mpmath.mpf(2) ** -(bits // 2)
    if abs(low - 1) < near_one and abs(high - 1) < near_one:
        # 1 - 1/x <= log x <= x - 1, within (x - 1)^2 < 2^-bits of it: mpmath's interval
        # log of [1, 1 + ulp] at 40,000 bits takes a quarter of a second
        lower, upper = (iv.mpf(arg.a) - 1) / iv.mpf(arg.a), iv.mpf(arg.b) - 1
        return iv.mpf([lower.a, upper.b])
    return iv.log(arg)


def _monomial_key(monomial):
    return tuple((atom.key, power) for atom, power in monomial)


def _mul_monomials(a, b):
    powers = dict(a)
    for atom, power in b:
        powers[atom] = powers.get(atom, 0) + power
    return tuple(sorted(((t, p) for t, p in powers.items() if p), key=lambda tp: tp[0].key))


class Real:
    """A sum of ``coefficient * product(atom ** power)`` terms; immutable.

    Constructed only through :func:`make`, which returns a plain Fraction when no atom
    remains, so rational values never carry the polynomial overhead.
    """

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: dict):
        self.terms = terms  # monomial (tuple of (Atom, int)) -> nonzero Fraction
        self._hash = None

    # arithmetic -------------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, Rational):
            other = Real({(): Fraction(other)})
        elif not isinstance(other, Real):
            return NotImplemented
        terms = dict(self.terms)
        for mono, coef in other.terms.items():
            terms[mono] = terms.get(mono, 0) + coef
        return make(terms)

    __radd__ = __add__

    def __neg__(self):
        return Real({m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        if not isinstance(other, (Rational, Real)):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other):
        if not isinstance(other, Rational):
            return NotImplemented
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, Rational):
            return make({m: c * other for m, c in self.terms.items()})
        if not isinstance(other, Real):
            return NotImplemented
        terms: dict = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                mono = _mul_monomials(m1, m2)
                terms[mono] = terms.get(mono, 0) + c1 * c2
        return make(terms)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Rational):
            return self * (1 / Fraction(other))
        if not isinstance(other, Real):
            return NotImplemented
        return self * inv(other)

    def __rtruediv__(self, other):
        if not isinstance(other, Rational):
            return NotImplemented
        return inv(self) * other

    # comparison: structural equality, numeric order --------------------------
    def __eq__(self, other):
        if isinstance(other, Real):
            return self.terms == other.terms
        return False  # a Real never equals a rational: make() would have reduced it

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset((_monomial_key(m), c) for m, c in self.terms.items()))
        return self._hash

    def __lt__(self, other):
        return sign(self - other) < 0

    def __le__(self, other):
        return sign(self - other) <= 0

    def __gt__(self, other):
        return sign(self - other) > 0

    def __ge__(self, other):
        return sign(self - other) >= 0

    def __float__(self):
        return float(evaluate(self, 17))

    def __repr__(self):
        return f"Real({to_text(self)!r})"

    def __str__(self):
        return to_text(self)


def make(terms: dict):
    """Drop zero terms; return a Fraction if only the constant term is left.

    Terms keep the order arithmetic produced them in (e^{z_1} + e^{z_2}, not sorted),
    so exact forms read like the computation; equality and hashing ignore order.
    """
    terms = {m: c if type(c) is Fraction else Fraction(c) for m, c in terms.items() if c}
    if not terms:
        return Fraction(0)
    if list(terms) == [()]:
        return terms[()]
    return Real(terms)


def _atom(kind: str, arg):
    return Real({((Atom(kind, arg), 1),): Fraction(1)})


def exp(x):
    """e^x; exact for x = 0, a symbol otherwise."""
    if isinstance(x, Rational) and x == 0:
        return Fraction(1)
    return _atom("exp", _canonical(x))


def log(x):
    """Natural log; log 1 = 0 and log(e^a) = a exactly."""
    if isinstance(x, Rational):
        if x <= 0:
            raise ValueError(f"log of a non-positive number {x}")
        if x == 1:
            return Fraction(0)
    elif len(x.terms) == 1:
        (mono, coef), = x.terms.items()
        if coef == 1 and len(mono) == 1 and mono[0][0].kind == "exp" and mono[0][1] == 1:
            return mono[0][0].arg
    return _atom("log", _canonical(x))


def inv(x):
    """1/x; a single monomial inverts its powers, a sum becomes a symbol."""
    if isinstance(x, Rational):
        return 1 / Fraction(x)
    if len(x.terms) == 1:
        (mono, coef), = x.terms.items()
        return make({tuple((a, -p) for a, p in mono): 1 / coef})
    return _atom("inv", x)


def _canonical(x):
    return Fraction(x) if isinstance(x, Rational) else x


# evaluation -------------------------------------------------------------------
def _evaluate_at(x, bits: int) -> mpmath.mpf:
    with mpmath.workprec(bits):
        if isinstance(x, Rational):
            return mpmath.mpf(int(x.numerator)) / int(x.denominator)
        total = mpmath.mpf(0)
        for mono, coef in x.terms.items():
            term = mpmath.mpf(coef.numerator) / coef.denominator
            for atom, power in mono:
                term *= atom.value(bits) ** power
            total += term
        return total


def _enclose(x, bits: int):
    """An mpmath interval holding the value of ``x``, worked at ``bits`` bits (every
    rounding widens it, so the true value is inside however much cancels)."""
    iv = mpmath.iv
    if isinstance(x, Rational):
        return iv.mpf(int(x.numerator)) / int(x.denominator)
    total = iv.mpf(0)
    for mono, coef in x.terms.items():
        term = iv.mpf(int(coef.numerator)) / int(coef.denominator)
        for atom, power in mono:
            term *= atom.interval(bits) ** power
        total += term
    return total


def evaluate(x, digits: int = 15) -> mpmath.mpf:
    """The value of ``x`` correct to ``digits`` significant digits.

    Interval arithmetic at doubling precision until the interval is that narrow around
    a nonzero value: cancellation such as ``p - 1`` with ``p = 0.99998...`` costs bits,
    and two plain evaluations can agree on the same wrong digits (e^30 + e^-101 is e^30 at
    both 78 and 156 bits). A value whose interval still holds 0 at ~10^4 digits is a
    hidden exact zero (p0/10 + p1/10 - 1/10 with p0 + p1 = 1): 0. An mpmath number (an
    approximation made on purpose) is returned as it is.
    """
    if isinstance(x, mpmath.mpf):
        return x
    if isinstance(x, Rational):
        with mpmath.workprec(int(digits * 3.33) + 16):
            return mpmath.mpf(int(x.numerator)) / int(x.denominator)
    bits = int(digits * 3.33) + 32
    while True:
        box = _interval(x, bits)
        with mpmath.workprec(bits):
            low, high = mpmath.mpf(box.a), mpmath.mpf(box.b)
            middle = (low + high) / 2
            settled = (low > 0 or high < 0) and \
                high - low <= abs(middle) * mpmath.mpf(10) ** -(digits + 2)
        if settled or bits >= _MAX_BITS:
            if not (low > 0 or high < 0):
                return mpmath.mpf(0)
            # the digits asked and a guard, not the ~40,000 bits worked with (mpmath's
            # nstr would turn such a mantissa into a decimal of over 4300 digits)
            with mpmath.workprec(int(digits * 3.33) + 16):
                return +middle
        bits *= 2


def _interval(x, bits: int):
    """:func:`_enclose` with mpmath's interval context at ``bits`` (restored after)."""
    iv = mpmath.iv
    before = iv.prec
    iv.prec = bits
    try:
        return _enclose(x, bits)
    finally:
        iv.prec = before


def sign(x) -> int:
    """-1, 0 or 1; a Real that vanishes to ~10^4 digits counts as 0."""
    if isinstance(x, (Rational, mpmath.mpf)):
        return (x > 0) - (x < 0)
    value = evaluate(x, 30)
    with mpmath.workprec(_MAX_BITS):
        if abs(value) < mpmath.mpf(2) ** (-_MAX_BITS // 2):
            return 0
    return 1 if value > 0 else -1


# printing -----------------------------------------------------------------------
def _rational_text(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def _atom_text(atom: Atom, canonical: bool) -> str:
    if not canonical:
        return atom.text
    if atom.kind == "inv":
        return f"({to_text(atom.arg, canonical)})"
    return f"{atom.kind}({to_text(atom.arg, canonical)})"


def _term_text(mono, coef: Fraction, canonical: bool) -> str:
    def text(a, p):
        return _atom_text(a, canonical) + (f"^{p}" if p > 1 else "")
    # an 'inv' atom (s) stands for 1/s: a positive power of it divides, a negative multiplies
    top = [text(a, p if a.kind != "inv" else -p) for a, p in mono
           if (p > 0) != (a.kind == "inv")]
    bottom = [text(a, -p if a.kind != "inv" else p) for a, p in mono
              if (p > 0) == (a.kind == "inv")]
    factors = ([] if abs(coef) == 1 and top else [_rational_text(abs(coef))]) + top
    text = "*".join(factors) + "".join(f"/{b}" for b in bottom)
    return ("-" if coef < 0 else "") + text


def to_text(x, canonical: bool = False) -> str:
    """A plain, deterministic exact form, e.g. ``exp(28/5)/(exp(28/5) + exp(-53/10)) - 1``.

    Terms print in the order they arose, the constant last; ``canonical`` sorts them
    (the identity of an atom must not depend on that order).
    """
    if isinstance(x, Rational):
        return _rational_text(Fraction(x))
    if isinstance(x, mpmath.mpf):
        return "≈" + mpmath.nstr(x, 30)
    terms = list(x.terms.items())
    if canonical:
        terms.sort(key=lambda mc: _monomial_key(mc[0]))
    terms.sort(key=lambda mc: mc[0] == ())
    text = ""
    for mono, coef in terms:
        part = _term_text(mono, coef, canonical)
        if not text:
            text = part
        elif part.startswith("-"):
            text += " - " + part[1:]
        else:
            text += " + " + part
    return text


# reading ------------------------------------------------------------------------
MAX_POWER = 1000  # the engine writes small powers (a softmax denominator squared)
_TOKEN = re.compile(r"\s*(\d+|exp\(|log\(|[-+*/^()])")


def parse(text: str):
    """The value of a :func:`to_text` form (the exact strings a trace's JSON keeps):
    a Fraction, a :class:`Real`, or an mpmath number for an '≈' approximation.

    Raises ValueError on text that is not such a form.
    """
    text = text.strip()
    if text.startswith("≈"):
        with mpmath.workdps(len(text) + 5):  # every digit the text has
            return mpmath.mpf(text[1:])
    tokens, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match:
            raise ValueError(f"not an exact form: {text!r} (at {text[at:at + 10]!r})")
        tokens.append(match.group(1))
        at = match.end()
    try:
        value, used = _sum(tokens, 0)
    except ZeroDivisionError:
        raise ValueError(f"not an exact form: {text!r} divides by 0") from None
    if used != len(tokens):
        raise ValueError(f"not an exact form: {text!r} (unexpected {tokens[used]!r})")
    return value


def _sum(tokens, i):
    """terms joined by + and -."""
    value, i = _product(tokens, i)
    while i < len(tokens) and tokens[i] in "+-":
        term, j = _product(tokens, i + 1)
        value, i = (value + term if tokens[i] == "+" else value - term), j
    return value, i


def _product(tokens, i):
    """[-] factors joined by * and /, left to right."""
    if i < len(tokens) and tokens[i] == "-":
        value, i = _product(tokens, i + 1)
        return -value, i
    value, i = _power(tokens, i)
    while i < len(tokens) and tokens[i] in "*/":
        factor, j = _power(tokens, i + 1)
        value, i = (value * factor if tokens[i] == "*" else value / factor), j
    return value, i


def _power(tokens, i):
    """An integer, exp(sum), log(sum) or (sum), with an optional ^integer."""
    if i >= len(tokens):
        raise ValueError("not an exact form: it ends too early")
    token = tokens[i]
    if token.isdigit():
        value, i = Fraction(int(token)), i + 1
    elif token in ("exp(", "log(", "("):
        inner, i = _sum(tokens, i + 1)
        if i >= len(tokens) or tokens[i] != ")":
            raise ValueError("not an exact form: a '(' is not closed")
        value, i = {"exp(": exp, "log(": log, "(": _canonical}[token](inner), i + 1
    else:
        raise ValueError(f"not an exact form: unexpected {token!r}")
    if i + 1 < len(tokens) and tokens[i] == "^" and tokens[i + 1].isdigit():
        power = int(tokens[i + 1])
        if not 2 <= power <= MAX_POWER:  # to_text writes ^2 and up, never ^0 or ^1
            raise ValueError(f"not an exact form: a power ^{power}; expected 2 to {MAX_POWER}")
        base = value
        for _ in range(power - 1):
            value = value * base
        i += 2
    return value, i
