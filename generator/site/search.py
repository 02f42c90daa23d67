"""Search that ranks like a person expects: a role's title or alias finds that role first.

Material's search segments Chinese text with jieba at build time (words joined by U+200B) and
segments the *query* in the browser by looking its pieces up in the index. Two things go wrong
for the handbook, and this module mends both without touching the theme's files on disk:

* The browser-side segmenter never tries the query's last character: ``大客户`` is searched as
  ``大*`` (so 大区经理 comes first) and ``销售部经理`` as ``销售部*``. :func:`patch_worker`
  replaces that one function in the built search worker with one that keeps the whole query
  and its index words (``客户* 大客户* 大客户^5``). The patch is checked: if a Material update changes
  the function, the build stops and says so instead of silently searching worse.
* A role's title is split into words like any text, so nothing tells the index that
  ``大客户经理`` is a name. :func:`role_keywords` gives each role page's entry its title and
  aliases whole, in the index's ``tags`` field (Material weighs it far above titles and text),
  so a query that starts a role's name ranks that role's page first.

The U+200B word marks stay in the index (they are how the browser splits words); handbook.js
removes them from the search results as they are shown, so copied text carries none.
"""

from __future__ import annotations

import re
from typing import Iterable

from ..content.model import Handbook

# Material 9.x's minified `segment(query, index)`: it starts with these two declarations and ends
# by returning the query whole when its loop found nothing ("hotfix" in Material's source).
_SEGMENT = re.compile(
    r"function (?P<name>[\w$]+)\((?P<q>[\w$]+),(?P<i>[\w$]+)\)\{"
    r"let (?P<set>[\w$]+)=new Set,[\w$]+=new Uint16Array\((?P=q)\.length\);"
    r".*?return (?P=set)\.has\(\"\"\)\?new Set\(\[(?P=q)\]\):(?P=set)\}",
    re.S,
)

# The replacement, in plain JavaScript so it can be read in the built file.
_HANDBOOK_SEGMENT = """function {name}(query, index) {{
  /* handbook-as-code: the longest index words from left to right (the theme's loop never reached
     the last character), then the whole query as typed, then "query^5": the exact word boosted,
     so 销售部经理 ranks the role named so above one called 销售部经理助理. The theme appends "*"
     (a prefix search) to each space-separated term except the boosted one. Returned as one string:
     the theme joins several with "* ", which would double the "*". Single characters are searched
     only as the whole query: "大" alone would match every word that starts with 大. */
  var words = [];
  var wordEnd = function (start) {{
    for (var end = query.length; end > start; end--)
      if (end - start < query.length && query.slice(start, end) in index) return end;
    return 0;
  }};
  for (var i = 0; i < query.length;) {{
    var end = wordEnd(i);
    if (!end) for (end = i + 1; end < query.length && !wordEnd(end); end++);
    if (end - i > 1 && end - i < query.length) words.push(query.slice(i, end));
    i = end;
  }}
  return new Set([words.concat([query, query + "^5"]).join(" ")]);
}}"""

MARKER = "handbook-as-code: the longest index words"


class WorkerChanged(Exception):
    """Material's search worker no longer has the function this module replaces."""


def patch_worker(js: str) -> str:
    """The search worker's code with the handbook's query segmentation; raises WorkerChanged."""
    if MARKER in js:
        return js
    found = list(_SEGMENT.finditer(js))
    if len(found) != 1:
        raise WorkerChanged(f"expected one query segmentation function, found {len(found)}")
    match = found[0]
    return js[:match.start()] + _HANDBOOK_SEGMENT.format(name=match["name"]) + js[match.end():]


def role_keywords(hb: Handbook) -> dict[str, list[str]]:
    """Page URL → the names a person would type for it: each role's title and aliases."""
    return {f"roles/{role.id}.html": _unique(role.names) for role in hb.roles}


def tag_entries(entries: list[dict], url: str, words: Iterable[str]) -> None:
    """Put ``words`` into the tags of the page's own entry (not its sections) in Material's index."""
    words = list(words)
    for entry in entries:
        if entry.get("location") == url:
            tags = entry.setdefault("tags", [])
            tags.extend(w for w in words if w not in tags)


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(w.strip() for w in words if w.strip()))
