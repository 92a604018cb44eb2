"""A readable diff between two versions of a playbook: each version is written out as lines
of text (title, purpose, links, steps, body), and difflib compares the lines. The result is
data, not HTML: the template escapes every line, so nothing a person wrote can run."""

from dataclasses import dataclass
from difflib import SequenceMatcher

from .models import PlaybookVersion

CONTEXT_LINES = 3


@dataclass(frozen=True)
class Line:
    kind: str  # "same", "added" or "removed"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class Diff:
    old: PlaybookVersion
    new: PlaybookVersion
    hunks: list[list[Line]]
    added: int
    removed: int


def _links(version: PlaybookVersion) -> list[str]:
    links = version.links
    lines = [
        f"Owner: {links.get('owner') or '(none)'}",
        f"Review every {links.get('review_cadence_days')} days",
        f"Funnel stages: {', '.join(links.get('stages', [])) or '(none)'}",
        f"Glossary terms: {', '.join(links.get('terms', [])) or '(none)'}",
        "Collateral:",
    ]
    for item in links.get("collateral", []):
        lines.append(f"- {item['title']}" + (f" <{item['url']}>" if item.get("url") else ""))
    return lines


def version_lines(version: PlaybookVersion) -> list[str]:
    """The version as the text the diff compares."""
    lines = [f"Title: {version.title}", "Purpose:", *version.purpose.splitlines()]
    lines += [*_links(version), "", "Steps:"]
    for step in version.steps.all():
        lines.append(f"{step.position}. Who: {step.who}")
        lines += [f"   What: {t}" for t in step.what.splitlines()]
        lines += [f"   Why: {t}" for t in step.why.splitlines()]
    return [*lines, "", "Body:", *version.body.splitlines()]


Opcode = tuple[str, int, int, int, int]


def _hunk(old: list[str], new: list[str], group: list[Opcode]) -> list[Line]:
    lines = []
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines += [Line("same", i + 1, j1 + i - i1 + 1, old[i]) for i in range(i1, i2)]
            continue
        lines += [Line("removed", i + 1, None, old[i]) for i in range(i1, i2)]
        lines += [Line("added", None, j + 1, new[j]) for j in range(j1, j2)]
    return lines


def diff_versions(old: PlaybookVersion, new: PlaybookVersion) -> Diff:
    a, b = version_lines(old), version_lines(new)
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    hunks = [_hunk(a, b, g) for g in matcher.get_grouped_opcodes(CONTEXT_LINES)]
    changed = [line for hunk in hunks for line in hunk]
    return Diff(
        old=old,
        new=new,
        hunks=[h for h in hunks if any(line.kind != "same" for line in h)],
        added=sum(1 for line in changed if line.kind == "added"),
        removed=sum(1 for line in changed if line.kind == "removed"),
    )
