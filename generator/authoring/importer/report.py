"""What ``handbook import`` tells HR: the change list and the lines it could not place, in Chinese.

Kept apart from the logic so the wording lives in one place and tests can read it.
"""

from __future__ import annotations


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] → '1–3、7'."""
    parts: list[str] = []
    start = prev = None
    for n in sorted(set(numbers)):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return "、".join(parts)


def _clip(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def update_lines(result, dry_run: bool) -> list[str]:
    for_now = "（试运行，未写入）" if dry_run else ""
    lines = list(result.warnings)
    if not result.changes and result.imported_before:
        lines.append(f"{result.shown}: 没有新的修改 — Word 中改过的{'、'.join(result.imported_before)}已经在 YAML 中"
                     f"（这份文件导入过），什么也没有写入")
    elif not result.changes:
        lines.append(f"{result.shown}: 没有修改")
    else:
        lines.append(f"{result.shown}: {len(result.changes)} 处修改{for_now}")
        lines += [f"  · {change}" for change in result.changes]
    lines += [f"  ! {item}" for item in result.not_imported]
    return lines


def _lines(numbers: list[int], every: list[int], unit: str) -> str:
    """'第 3–6、9 行': ranges run over the file's non-empty lines, so blank lines do not break them."""
    position = {n: k for k, n in enumerate(every)}
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and position.get(n, -2) == position.get(run[-1], -9) + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}" if len(run) == 1 else f"{run[0]}–{run[-1]}")
        run = [n]
    if run:
        parts.append(f"{run[0]}" if len(run) == 1 else f"{run[0]}–{run[-1]}")
    return f"第 {'、'.join(parts)} {unit}"


def placed_lines(draft) -> list[str]:
    """Where each line went, one line per field, in the order the fields first appear."""
    by_field: dict[str, list[int]] = {}
    for number, what in sorted(draft.placed):
        by_field.setdefault(what, []).append(number)
    return [f"  = {what}：{_lines(numbers, draft.numbers, draft.unit_word)}" for what, numbers in by_field.items()]


def draft_lines(draft, dry_run: bool) -> list[str]:
    verb = "将写入" if dry_run else "已写入"
    lines = [f"{draft.source_shown}: 岗位“{draft.title}”（第 {draft.first}–{draft.last} {draft.unit_word}）"
             f" → {verb} {draft.shown}（草稿，status: draft）：{draft.duty_count} 条职责"
             + (f"，{'、'.join(draft.sections)}" if draft.sections else "")]
    lines += [f"  · {note}" for note in draft.notes]
    lines += placed_lines(draft)
    for number, text, why in draft.unplaced:
        where = f"{number}–{draft.spans[number]}" if number in draft.spans else f"{number}"
        lines.append(f"  ? {draft.source_shown}:{where}: 未导入（{why}）：{_clip(text)}")
    return lines


def pending_note(pending: list[str]) -> str:
    shown = "；".join(_clip(item, 40) for item in pending[:5]) + ("……" if len(pending) > 5 else "")
    return (f"Word 文件中有 {len(pending)} 处修订尚未接受，按未修订的文字导入：{shown} — "
            f"在 Word 中“审阅 → 接受/拒绝”后再导入，修订才会生效")


def skipped_note(numbers: list[int], unit_word: str) -> str:
    return f"跳过文档网站的下载说明等 {len(numbers)} {unit_word}（第 {_ranges(numbers)} {unit_word}）"


def refused_line(count: int) -> str:
    return f"{count} 个问题，未导入任何内容。"


def drafts_footer(count: int) -> str:
    return (f"共 {count} 个草稿岗位。请逐个核对（补上岗位目的、编号、部门、关键绩效指标），"
            f"确认后把 status 改为 published；运行 handbook check 查看还缺什么。")


def yaml_diff(result) -> str:
    """What --dry-run would write into a role file, as a unified diff HR's editor can show."""
    import difflib

    before = result.role_file.read_text(encoding="utf-8-sig").splitlines(True)
    after = (result.new_text or "").lstrip("\ufeff").splitlines(True)
    return "".join(difflib.unified_diff(before, after, f"a/{result.shown}", f"b/{result.shown}")).rstrip("\n")
