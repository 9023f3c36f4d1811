"""hypothesis strategies: random deadline rules and the event logs they are checked against."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from builders import make_rule
from hypothesis import strategies as st

BASE = datetime(2025, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
KEYS = ("C-1", "C-2", "C-3")
ROLES = {
    "start": "complaint_received", "stop": "complaint_result_fed_back",
    "cancel": "complaint_withdrawn", "pause": "complaint_waiting_customer",
    "resume": "complaint_customer_replied",
}


@st.composite
def deadline_rules(draw: st.DrawFn) -> Any:
    """A deadline rule on complaint events, with a random bound and optional cancel/pause."""
    fields: dict[str, Any] = {
        "kind": "deadline", "key": "complaint_id",
        "start": {"type": ROLES["start"]}, "stop": {"type": ROLES["stop"]},
        "within": f"{draw(st.integers(1, 72))} hours",
    }
    if draw(st.booleans()):
        fields["cancel"] = {"type": ROLES["cancel"]}
    if draw(st.booleans()):
        fields["pause"] = {"type": ROLES["pause"]}
        fields["resume"] = {"type": ROLES["resume"]}
    return make_rule(**fields)


def stamp(moment: datetime) -> str:
    """RFC 3339 text of an aware datetime."""
    return moment.isoformat()


@st.composite
def events(draw: st.DrawFn, min_size: int = 1, max_size: int = 25) -> list[dict[str, Any]]:
    """Events of the complaint roles on a few keys, at minute steps over ten days, unique ids.

    Many share an instant on purpose: the order at equal times is part of the semantics.
    """
    count = draw(st.integers(min_size, max_size))
    out = []
    for number in range(count):
        role = draw(st.sampled_from(["start", "start", "stop", "stop", "cancel", "pause",
                                     "resume"]))
        minute = draw(st.integers(0, 10 * 24 * 60 // 30)) * 30
        micro = draw(st.sampled_from([0, 0, 0, 1]))
        moment = BASE + timedelta(minutes=minute, microseconds=micro)
        out.append({
            "id": f"e-{number:03d}", "type": ROLES[role], "time": stamp(moment),
            "complaint_id": draw(st.sampled_from(KEYS)),
            "site": draw(st.sampled_from(["S1", "S2"])),
        })
    return out


offsets = st.sampled_from([timedelta(hours=h) for h in (-10, -5, 0, 1, 5.5, 9, 14)])


def moved(log: list[dict[str, Any]], rnd: Any, offset: timedelta) -> list[dict[str, Any]]:
    """The same events in another order, their times written in another UTC offset."""
    zone = timezone(offset)
    out = [{**e, "time": datetime.fromisoformat(e["time"]).astimezone(zone).isoformat()}
           for e in log]
    rnd.shuffle(out)
    return out
