"""Readers: JSON Lines, CSV, process-mining CSV and XES map onto the envelope, line by line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.readers import LogSource


def records(path: Path, **kw: object) -> list[tuple[int, object]]:
    return list(LogSource(str(path), **kw).records())  # type: ignore[arg-type]


def test_jsonl_numbers_lines_skips_blanks_and_rejects_bad_records(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    log.write_bytes(
        b'\xef\xbb\xbf{"type": "a", "time": "2025-01-01T00:00:00+08:00"}\n'
        b"\n"
        b"not json\n"
        b"[1, 2]\n"
        b'{"type": "b", "note": "\xff"}\n'
        b'{"type": "c"}'
    )
    got = records(log)
    assert got[0] == (1, {"type": "a", "time": "2025-01-01T00:00:00+08:00"})
    assert [line for line, _ in got] == [1, 3, 4, 5, 6]
    assert "not valid JSON" in str(got[1][1])
    assert "JSON object, not an array" in str(got[2][1])
    assert isinstance(got[3][1], str)  # invalid UTF-8 is a rejected record
    assert got[4] == (6, {"type": "c"})


def test_a_huge_line_is_rejected_without_stopping_the_file(tmp_path: Path) -> None:
    log = tmp_path / "big.jsonl"
    big = b'{"type": "a", "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}\n'
    log.write_bytes(big + b'{"type": "b"}\n')
    got = records(log)
    assert "over the" in str(got[0][1])
    assert got[1] == (2, {"type": "b"})


def test_field_map_copies_columns_onto_envelope_fields(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    log.write_text('{"event_name": "a", "created_at": "2025-01-01T00:00:00Z"}\n')
    [(_, record)] = records(log, field_map={"type": "event_name", "time": "created_at"})
    assert isinstance(record, dict)
    assert (record["type"], record["time"]) == ("a", "2025-01-01T00:00:00Z")


def test_csv_header_rows_and_empty_cells(tmp_path: Path) -> None:
    log = tmp_path / "x.csv"
    log.write_text('type,time,note\na,2025-01-01T00:00:00+08:00,\n\nb,2025-01-01,"x\ny"\nc,1\n',
                   encoding="utf-8")
    got = records(log)
    assert got[0] == (2, {"type": "a", "time": "2025-01-01T00:00:00+08:00"})
    assert got[1] == (4, {"type": "b", "time": "2025-01-01", "note": "x\ny"})
    assert got[2][0] == 6 and "columns" in str(got[2][1])


def test_process_mining_csv_is_recognised(tmp_path: Path) -> None:
    log = tmp_path / "pm.csv"
    log.write_text("case:concept:name,concept:name,time:timestamp,org:resource,issue_id\n"
                   "A-1,aftersales_issue_received,2025-07-01 10:00:00+08:00,P-01,A-1\n")
    [(line, record)] = records(log)
    assert line == 2 and isinstance(record, dict)
    assert (record["case"], record["type"], record["staff"]) == (
        "A-1", "aftersales_issue_received", "P-01")
    assert record["case:concept:name"] == "A-1"


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log {ns}xes.version="1.0">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <trace>
    <string key="concept:name" value="C-1"/>
    <string key="customer" value="CU-7"/>
    <event>
      <string key="concept:name" value="complaint_received"/>
      <date key="time:timestamp" value="2025-07-01T10:00:00.000+08:00"/>
      <string key="org:resource" value="P-02"/>
      <int key="priority" value="3"/>
      <boolean key="urgent" value="true"/>
    </event>
    <event>
      <string key="concept:name" value="complaint_result_fed_back"/>
      <date key="time:timestamp" value="2025-07-02T10:00:00.000+08:00"/>
    </event>
  </trace>
</log>
"""


@pytest.mark.parametrize("ns", ['xmlns="http://www.xes-standard.org/" ', ""])
@pytest.mark.parametrize("gz", [False, True])
def test_xes_with_and_without_namespace_plain_and_gzipped(tmp_path: Path, ns: str,
                                                          gz: bool) -> None:
    data = XES.format(ns=ns).encode()
    log = tmp_path / ("log.xes.gz" if gz else "log.xes")
    log.write_bytes(gzip.compress(data) if gz else data)
    source = LogSource(str(log))
    assert source.format == "xes"
    got = list(source.records())
    assert [line for line, _ in got] == [8, 15]
    first = got[0][1]
    assert isinstance(first, dict)
    assert first["type"] == "complaint_received"
    assert first["time"] == "2025-07-01T10:00:00.000+08:00"
    assert (first["staff"], first["case"], first["case:customer"]) == ("P-02", "C-1", "CU-7")
    assert (first["priority"], first["urgent"]) == (3, True)


def test_malformed_xes_stops_with_its_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.xes"
    log.write_text("<log>\n<trace>\n<event>\n</trace>\n")
    with pytest.raises(InputError, match=r"bad.xes:4: malformed XML"):
        records(log)


def test_binary_missing_and_unknown_files_are_input_errors(tmp_path: Path) -> None:
    binary = tmp_path / "x.jsonl"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match="binary file"):
        LogSource(str(binary))
    with pytest.raises(InputError, match="no such file"):
        LogSource(str(tmp_path / "missing.jsonl"))
    odd = tmp_path / "x.dat"
    odd.write_text("hello world\n")
    with pytest.raises(InputError, match="cannot tell the log format"):
        LogSource(str(odd))


def test_format_is_sniffed_when_the_name_does_not_tell(tmp_path: Path) -> None:
    log = tmp_path / "export.txt"
    log.write_text('{"type": "a"}\n')
    assert LogSource(str(log)).format == "jsonl"
