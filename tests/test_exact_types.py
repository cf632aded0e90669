"""Exact money and text folding: properties over many values (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.models import ScaledDecimal
from backoffice.text import fold

money = ScaledDecimal(2)


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_amounts_survive_storage_exactly(amount):
    stored = money.process_bind_param(amount, None)
    assert isinstance(stored, int)
    assert money.process_result_value(stored, None) == amount


@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=3))
def test_sub_cent_amounts_are_refused_not_rounded(amount):
    if amount == amount.quantize(Decimal("0.01")):
        return
    with pytest.raises(ValueError, match="decimal places"):
        money.process_bind_param(amount, None)


@given(st.text())
def test_fold_is_idempotent_and_lowercase(text):
    once = fold(text)
    assert fold(once) == once
    assert once == once.casefold()
