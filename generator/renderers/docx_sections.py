"""The optional sections of a Word job description: 岗位权限, 工作关系, 任职资格.

Kept apart from :mod:`generator.renderers.docx` so that module stays about layout; the words and
order come from :func:`generator.views.extra_sections`. Lines are plain paragraphs with typed
numbers ("1. …"), which survive any restyling in Word and read back the same in ``handbook import``.
"""

from __future__ import annotations

from docx.shared import Cm

from .. import views
from ..model import Role

LIST_INDENT_CM = 0.74
LABEL_STYLE = "Strong"  # Word's built-in bold character style (listed in docx_styles.CHARACTER_STYLES)


def extra_sections(b, role: Role) -> None:
    """Append each present section to the Builder ``b`` of :mod:`generator.renderers.docx`."""
    for section in views.extra_sections(role):
        b.para(section.heading, "Heading 1")
        for entry in section.entries:
            if not entry.is_list:
                paragraph = b.para()
                b.s.run(paragraph, f"{entry.label}：", LABEL_STYLE)  # bold label, as in the PDF
                b.s.run(paragraph, entry.items[0])
                continue
            if entry.label:
                b.s.run(b.para(), f"{entry.label}：", LABEL_STYLE)
            for number, item in enumerate(entry.items, start=1):
                b.para(f"{number}. {item}").paragraph_format.left_indent = Cm(LIST_INDENT_CM)
