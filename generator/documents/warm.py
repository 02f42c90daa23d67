"""Imported by the pool's forkserver alone (:mod:`.pool`): every renderer imported, one small PDF laid out, so
workers fork ready instead of each paying ~0.15 s of CPU on its first document."""

from . import outputs, produce  # noqa: F401 - produce: what workers run
from .renderers import weasy

for output in outputs.all_outputs():
    output.function()  # imports its renderer module

SAMPLE = '<html lang="zh-CN"><body><h1>岗位说明书</h1><p>岗位职责 0123456789</p></body></html>'

try:
    for name in weasy.environment().list_templates(filter_func=lambda name: name.endswith(".html")):
        weasy.environment().get_template(name)
    weasy.html_to_pdf(SAMPLE)
except Exception:  # noqa: BLE001 - a warm-up only: a real problem shows, with its message, in the first document
    pass
