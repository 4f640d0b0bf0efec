"""The fast path's evaluation gathers the columns of u it reads as rows of one copy held by
variable (bridge.scan.fastpath._columns) and to_units writes u by variable: the arrays the
components multiply must be numpy's own gathers u[:, index] in values and layout (their products
go through BLAS, whose last bits follow the layout), and the observables must not depend on how
u itself is laid out. No flavio: the shipped representations are read."""

from __future__ import annotations

import numpy as np
import pytest
from test_fastpath_eval import _coefficients, _same

from bridge.scan import fastpath as fpm


def _layouts(n: int, d: int, seed: int):
    """The same values (n, d) point-major, by variable (the transposed view of a C array), a
    strided view and a gathered array."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, d))
    wide = np.zeros((2 * n, d + 3))
    wide[::2, 1:d + 1] = u
    return [u, np.ascontiguousarray(u.T).T, wide[::2, 1:d + 1], u[:, np.arange(d)]]


@pytest.mark.parametrize("n", [1, 16, 333, 4096])
def test_columns_are_numpys_gather_in_values_and_layout(n):
    d = 9
    for u in _layouts(n, d, n):
        columns = fpm._columns(u)
        for index in (np.array([4]), np.arange(d), np.array([8, 0, 3, 3]), np.arange(d)[::-2]):
            mine, numpys = columns(index), u[:, index]
            assert mine.shape == numpys.shape and mine.strides == numpys.strides
            assert mine.flags.c_contiguous == numpys.flags.c_contiguous
            assert mine.flags.f_contiguous == numpys.flags.f_contiguous
            assert _same(mine, numpys)


def test_to_units_holds_the_values_of_the_point_major_definition():
    n = 500
    coefficients = _coefficients(n, 5)
    u, outside = fpm.to_units(coefficients, n)
    expected = np.zeros((n, fpm.N_VARIABLES))
    for name, values in coefficients.items():
        if name in fpm.POSITION:
            re, im = fpm.POSITION[name]
            expected[:, re] = np.real(values) / fpm.VARIABLES[re].step
            expected[:, im] = np.imag(values) / fpm.VARIABLES[im].step
    assert u.shape == (n, fpm.N_VARIABLES) and _same(u, expected) and outside.any()
    used = (3, 0, 7)
    compact, _ = fpm.to_units(coefficients, n, used)
    assert _same(compact, expected[:, list(used)])


@pytest.mark.parametrize("n", [5, 4096])
def test_observables_do_not_depend_on_the_layout_of_u(shipped, n):
    compact, _ = shipped.units(_coefficients(n, 11 + n), n)
    reference = shipped.evaluate_units(np.ascontiguousarray(compact))
    assert len(reference) > 30
    for u in (np.asfortranarray(compact), np.array(compact, order="C")[::1],
              np.repeat(compact, 2, axis=0)[::2]):
        values = shipped.evaluate_units(u)
        assert sorted(values) == sorted(reference)
        assert all(_same(values[k], reference[k]) for k in reference)
