"""The optional sections of a Word job description: 岗位权限, 工作关系, 任职资格.

Kept apart from :mod:`generator.documents.renderers.docx` so that module stays about layout; the words and
order come from :func:`generator.documents.views.extra_sections`. Lines are plain paragraphs with typed
numbers ("1. …"), which survive any restyling in Word and read back the same in ``handbook import``.
"""

from __future__ import annotations

from docx.shared import Cm

from ....content.model import Role
from ... import views

LIST_INDENT_CM = 0.74
LABEL_STYLE = "Strong"  # Word's built-in bold character style (listed in docx_styles.CHARACTER_STYLES)


def extra_sections(b, role: Role) -> None:
    """Append each present section to the Builder ``b`` of :mod:`generator.documents.renderers.docx`."""
    for section in views.extra_sections(role):
        b.para(section.heading, "Heading 1")
        for line in views.extra_section_lines(section):
            label, colon, value = line.partition("：")
            if colon and not line[:1].isdigit():  # '学历：大专' or '知识/技能/能力素质：': the label in bold, as in the PDF
                paragraph = b.para()
                b.s.run(paragraph, label + colon, LABEL_STYLE)
                if value:
                    b.s.run(paragraph, value)
            else:
                b.para(line).paragraph_format.left_indent = Cm(LIST_INDENT_CM)
