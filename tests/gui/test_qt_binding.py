"""Guards against known defects of the Qt binding we ship."""

from __future__ import annotations

import gc
import sys

from backoffice.ui.qt import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)


def test_emitting_a_bool_signal_keeps_the_reference_count_of_true(qapp):
    # PySide6 6.12.0 lost one reference to True per emit: thousands of emits later
    # the interpreter aborted at exit ("bool_dealloc: deallocating True or False").
    emitter = _Emitter()
    received = []
    emitter.flag.connect(received.append)
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.flag.emit(True)
    received.clear()
    gc.collect()
    assert sys.getrefcount(True) - before > -10
