"""The one summary line per cycle."""

from __future__ import annotations

from jobs.ops.cycle_summary import CycleFigures, cycle_summary_line


def test_a_cycle_with_a_failed_source_and_failed_messages() -> None:
    figures = CycleFigures(cycle_id=42, trigger="schedule", duration=12.34, sources_ok=1,
                           sources_failed=["kedreamix"], new_papers=37, feeds=5, messages_sent=40,
                           messages_failed=2, dm_messages=12, dm_members=4)
    assert cycle_summary_line(figures) == (
        "cycle 42 (schedule) 12.3 s: sources 1/2 ok, failed: kedreamix; 37 new papers; 5 feeds; "
        "messages 40 sent, 2 failed; DMs 12 to 4 members"
    )


def test_a_quiet_cycle_reads_naturally() -> None:
    figures = CycleFigures(cycle_id=7, trigger="retry", duration=0.04, sources_ok=2, new_papers=1, feeds=1,
                           dm_members=1)
    assert cycle_summary_line(figures) == (
        "cycle 7 (retry) 0.0 s: sources 2/2 ok; 1 new paper; 1 feed; messages 0 sent; DMs 0 to 1 member"
    )
    assert "\n" not in cycle_summary_line(figures)


def test_fields_for_json_logs_do_not_clash_with_log_record_attributes() -> None:
    import logging

    fields = CycleFigures(cycle_id=1, trigger="startup", duration=1.5, sources_failed=["a", "b"]).fields()
    assert fields["trigger"] == "startup" and fields["sources_failed"] == ["a", "b"]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    assert not set(fields) & set(vars(record))  # logging refuses extra= keys that overwrite these
