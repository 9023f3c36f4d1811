"""The words of the report, in Chinese and English; callers pass the facts."""

from __future__ import annotations

from typing import Final

LANGS: Final = ("zh", "en")

_TEXT: Final[dict[str, dict[str, str]]] = {
    "deadline.late": {
        "zh": "{subject}:开始后 {elapsed}才完成,超出 {limit} 时限 {overdue}",
        "en": "{subject}: done {elapsed} after the start, {overdue} past the {limit} limit",
    },
    "deadline.missing": {
        "zh": "{subject}:截至 {as_of} 仍未完成,已超出 {limit} 时限 {overdue}(应于 {due} 前完成)",
        "en": "{subject}: not done by {as_of}, {overdue} past the {limit} limit (due {due})",
    },
    "deadline.pending": {
        "zh": "{subject}:尚未完成,应于 {due} 前完成",
        "en": "{subject}: still open, due by {due}",
    },
    "deadline.pending_paused": {
        "zh": "{subject}:尚未完成,计时暂停中(等待客户)",
        "en": "{subject}: still open, the clock is paused (waiting on the customer)",
    },
    "deadline.met": {
        "zh": "{subject}:开始后 {elapsed}完成,未超出 {limit} 时限",
        "en": "{subject}: done {elapsed} after the start, within the {limit} limit",
    },
    "limit.within": {"zh": "{within}", "en": "{within}"},
    "limit.due_field": {"zh": "{field} 所定", "en": "{field}"},
    "limit.due_field_offset": {"zh": "{field} 加 {offset} 所定", "en": "{field} + {offset}"},
    "min_duration.short": {
        "zh": "{subject}:仅持续 {elapsed},少于 {limit}(差 {short})",
        "en": "{subject}: lasted {elapsed}, {short} short of {limit}",
    },
    "min_duration.met": {
        "zh": "{subject}:持续 {elapsed},不少于 {limit}",
        "en": "{subject}: lasted {elapsed}, at least {limit}",
    },
    "min_duration.pending": {
        "zh": "{subject}:尚未结束,最早可于 {due} 结束",
        "en": "{subject}: still running, may end from {due}",
    },
    "not_evaluated": {
        "zh": "{subject}:无法判定:{reason}",
        "en": "{subject}: cannot be judged: {reason}",
    },
    "reason.missing_key": {
        "zh": "开始事件缺少关联字段 {field}",
        "en": "the start event has no {field} field",
    },
    "reason.missing_due_field": {
        "zh": "开始事件缺少到期时间字段 {field}",
        "en": "the start event has no {field} field for its due time",
    },
    "reason.bad_due_field": {
        "zh": "到期时间字段 {field} 无效:{error}",
        "en": "the due time in {field} is invalid: {error}",
    },
    "reason.calendar_unknown": {
        "zh": "工作日历尚无 {year} 年的数据(可用 --calendar 补充),到期时间无法确定",
        "en": "the working calendar does not know {year} yet (add it with --calendar), "
              "so the due time cannot be known",
    },
    "deadline.pending_unknown": {
        "zh": "{subject}:尚未完成,到期时间在 {known_until} 之后(工作日历尚无后续年份)",
        "en": "{subject}: still open, due after {known_until} (the calendar does not know the "
              "following year yet)",
    },
    "reason.no_stop": {
        "zh": "截至 {as_of} 没有结束事件",
        "en": "no stop event by {as_of}",
    },
    "periodic.met": {
        "zh": "{subject}:本期 {count} 次,不少于 {need} 次",
        "en": "{subject}: {count} in the period, at least {need}",
    },
    "periodic.short": {
        "zh": "{subject}:本期仅 {count} 次,要求至少 {need} 次",
        "en": "{subject}: {count} in the period, at least {need} required",
    },
    "threshold.met": {
        "zh": "{subject}:{value}({of}),达到 {bound}",
        "en": "{subject}: {value} ({of}), meets {bound}",
    },
    "threshold.missed": {
        "zh": "{subject}:{value}({of}),未达到 {bound}",
        "en": "{subject}: {value} ({of}), misses {bound}",
    },
    "coverage.gap": {
        "zh": "{subject}:{count} 处空档超过 {limit},最长 {longest}({from} 至 {to});"
              "本期共 {uncovered} {shortfall}",
        "en": "{subject}: {count} gap(s) longer than {limit}, the longest {longest} "
              "({from} to {to}); {shortfall} for {uncovered} in the period",
    },
    "coverage.met_with_gaps": {
        "zh": "{subject}:空档均不超过 {limit}(最长 {longest},{from} 至 {to});"
              "本期共 {uncovered} {shortfall}",
        "en": "{subject}: no gap longer than {limit} (the longest {longest}, {from} to {to}); "
              "{shortfall} for {uncovered} in the period",
    },
    "coverage.nobody": {"zh": "无人在岗", "en": "nobody on duty"},
    "coverage.fewer": {"zh": "不足 {need} 人在岗", "en": "fewer than {need} on duty"},
    "coverage.met": {
        "zh": "{subject}:全程至少 {need} 人在岗",
        "en": "{subject}: at least {need} on duty throughout",
    },
    "precedence.missing": {
        "zh": "{subject}:之前缺少 {missing}{limit}",
        "en": "{subject}: no earlier {missing}{limit}",
    },
    "precedence.within": {"zh": "(须在 {within} 内)", "en": " within {within}"},
    "precedence.met": {
        "zh": "{subject}:前置步骤齐全",
        "en": "{subject}: every required earlier step came first",
    },
    "forbidden.found": {
        "zh": "{subject}:{at} 出现禁止的事件 {type}",
        "en": "{subject}: forbidden event {type} at {at}",
    },
    "required.missing": {
        "zh": "{subject}:缺少字段 {fields}",
        "en": "{subject}: missing {fields}",
    },
    "required.met": {"zh": "{subject}:字段齐全", "en": "{subject}: every field present"},
    "retention.kept": {
        "zh": "{subject}:已保存满 {limit}",
        "en": "{subject}: kept for {limit} so far",
    },
    "reason.period_not_covered": {
        "zh": "该期间不完全在输入范围内({start} 至 {end})",
        "en": "the period is not wholly inside the input window ({start} to {end})",
    },
    "reason.small_sample": {
        "zh": "样本仅 {count} 个,少于最低样本量 {need}",
        "en": "{count} events, fewer than the minimum sample of {need}",
    },
    "note.no_group": {
        "zh": "没有事件带有分组字段 {field},规则也未列出 groups:无从判定",
        "en": "no event carries the group field {field} and the rule lists no groups: "
              "nothing to judge",
    },
    "note.ungrouped": {
        "zh": "{count} 个事件缺少分组字段 {field},未计入任何组",
        "en": "{count} events have no {field} and count for no group",
    },
    "note.no_start": {
        "zh": "输入中没有类型为 {types} 的事件,本规则无法判定",
        "en": "no event of type {types} in the input: the rule could not be judged",
    },
    "note.no_key": {
        "zh": "{count} 个开始事件都没有关联字段 {field}:请检查字段名或使用 --map",
        "en": "none of the {count} start events carries the key field {field}: "
              "check the field name, or use --map",
    },
    "note.some_without_key": {
        "zh": "{count} 个开始事件缺少关联字段 {field},记为无法判定",
        "en": "{count} start events have no {field} field and are not evaluated",
    },
}


def text(key: str, lang: str, **facts: object) -> str:
    """The message `key` in `lang` (zh or en), filled with `facts`."""
    template = _TEXT[key]["zh" if lang == "zh" else "en"]
    return template.format(**facts)
