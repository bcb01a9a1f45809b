"""JSON log lines: one object per record with its extra fields and exception, quiet noisy libraries."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from server import logs


def _format(record: logging.LogRecord) -> dict[str, object]:
    doc: dict[str, object] = json.loads(logs.JsonFormatter().format(record))
    return doc


def test_a_record_is_one_json_object_with_its_extra_fields() -> None:
    record = logging.makeLogRecord({"name": "amauta.test", "levelname": "WARNING", "msg": "hello %s",
                                    "args": ("world",), "created": 0.0, "learner_id": "l-1",
                                    "when": object()})
    doc = _format(record)
    assert (doc["ts"], doc["level"], doc["logger"], doc["msg"], doc["learner_id"]) == (
        "1970-01-01T00:00:00.000+00:00", "warning", "amauta.test", "hello world", "l-1")
    assert isinstance(doc["when"], str) and "args" not in doc and "exc" not in doc


def test_an_exception_is_kept_in_the_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    doc = _format(record)
    assert "ValueError: boom" in str(doc["exc"])


def test_configure_replaces_the_root_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        logs.configure("DEBUG")
        assert len(root.handlers) == 1 and root.level == logging.DEBUG
        assert logging.getLogger("psycopg.pool").level == logging.WARNING
        logging.getLogger("amauta.test").info("line", extra={"k": 1})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert (line["msg"], line["k"]) == ("line", 1)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
