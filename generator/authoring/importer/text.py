"""Text rules shared by both kinds of import: numbering labels, punctuation, download-site lines.

Real job descriptions number their lines every way Chinese office documents do (``一、`` ``（一）``
``1、`` ``1.`` ``1)`` ``(1)`` ``①`` ``♦``), in full- or half-width punctuation. A label's *kind*
decides nesting (see :mod:`.parse`); its number is dropped, because our documents number duties
themselves.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

CN_DIGITS = "〇零一二三四五六七八九十百两"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
BULLETS = "♦◆◇●○•·▪■□★☆►▶➢✓✔※"

# (kind, pattern) in the order they are tried; every pattern matches at the start of a line.
_LABELS: tuple[tuple[str, str], ...] = (
    ("article", rf"第[{CN_DIGITS}\d]+条\s*"),
    ("duty-no", rf"(?:职责|任务)[{CN_DIGITS}\d]+\s*[:：、.．]?\s*"),
    ("cn", rf"[{CN_DIGITS}]+\s*[、.．,，]\s*"),
    ("cn-paren", rf"[（(]\s*[{CN_DIGITS}]+\s*[）)]\s*[、.．]?\s*"),
    ("paren", r"[（(]\s*\d{1,3}\s*[）)]\s*[、.．]?\s*"),
    ("dun", r"\d{1,3}\s*、\s*"),
    ("dot", r"\d{1,3}\s*[.．](?!\d)\s*"),
    ("right-paren", r"\d{1,3}\s*[）)]\s*"),
    ("circled", rf"[{CIRCLED}]\s*"),
    ("space-num", r"\d{1,2}[ \t\u3000]+(?=[\u4e00-\u9fff])"),  # '1 主持…': a numbered table pasted as text
    ("bullet", rf"[{BULLETS}](?![{BULLETS}])\s*|[-*]\s+"),
    ("amp", r"&(?=[\u4e00-\u9fff])"),  # scrape damage: '8、' turned into '&' (as in the seed)
)
_LABEL_RE = [(kind, re.compile(pattern)) for kind, pattern in _LABELS]

TERMINAL = "。；;！!？?…"


@dataclass(frozen=True)
class Labelled:
    kind: str | None   # None: the line has no numbering label
    text: str          # the line without its label


@functools.lru_cache(maxsize=4096)
def split_label(line: str) -> Labelled:
    stripped = line.strip()
    for kind, pattern in _LABEL_RE:
        match = pattern.match(stripped)
        if match and match.end() < len(stripped):
            return Labelled(kind, stripped[match.end():].strip())
    return Labelled(None, stripped)


def strip_label(line: str) -> str:
    """The text of a line without a typed number, e.g. '3、处理投诉' → '处理投诉'."""
    return split_label(line).text


# A numbering label glued after the end of a sentence: '…调整。9)完成…' or '…建议;&负责…'.
_GLUED = re.compile(r"(?<=[。；;])\s*(?=(?:\d{1,3}\s*[)）、]|&[\u4e00-\u9fff]|[（(]\d{1,3}[)）]))")


def split_glued(line: str) -> list[str]:
    return [part for part in _GLUED.split(line) if part.strip()]


_CJK = r"[\u3400-\u9fff\uf900-\ufaff“”‘’《》（）【】]"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


def cjk_punctuation(text: str) -> str:
    """Half-width punctuation next to Chinese text as full-width ('规划,制定' → '规划，制定').

    Scraped and hastily typed documents mix the two; ours use full-width in Chinese sentences.
    Doubled commas (',,') collapse to one. Latin text ('PPT, Word') is left alone.
    """
    text = re.sub(r"([,，])\1+", r"\1", text)

    def fix(match: re.Match) -> str:
        return _HALF_TO_FULL[match.group(0)]

    text = re.sub(rf"(?<={_CJK})[,;:?!](?!\d)", fix, text)
    text = re.sub(rf"[,;:](?={_CJK})", fix, text)
    text = re.sub(rf"\((?=[^()]*{_CJK}[^()]*\))", "（", text)
    text = re.sub(r"(?<=（)([^（）()]*)\)", r"\1）", text)
    return text.strip()


def normalise(text: str) -> str:
    """For comparing texts: width, punctuation and spaces ignored."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s,，.。;；:：、!！?？\"“”'‘’()（）\[\]【】]", "", text)


# --------------------------------------------------------------------------- download-site lines

_BOILERPLATE = re.compile(
    r"^\s*(?:当前位置|您的位置|所在位置)\s*[:：]|^\s*首页\s*[>›»/]|发布时间\s*[:：]|发布日期\s*[:：]|浏览(?:次数|量)?\s*[:：]|"
    r"阅读(?:量|数|次数)\s*[:：]|^\s*作者\s*[:：]|^\s*来源\s*[:：]|责任编辑|分享到|^\s*上一篇|^\s*下一篇|相关推荐|"
    r"猜你喜欢|热门推荐|本文标签|^\s*标签\s*[:：]|举报该|我要举报|^\s*(?:立即沟通|收藏|分享|点赞|登录|注册|返回顶部)(?:\s|$)|"
    r"版权所有|Copyright|©|ICP\s*备|扫一扫|关注公众号|"
    r"合集下载|下载文档前请|自行甄别|仅部分预览|不可在线预览|如文档侵犯|侵犯您的权益|请联系客服|人工客服|联系客服|客服(?:QQ|电话|热线)|"
    r"\bQQ\s*[:：号群]|微信\s*[:：号]|加微信|^\s*相关文档\s*$|^\s*最新文档\s*$|本文档由用户上传|用户上传|文档贡献者|百度文库|豆丁|"
    r"道客巴巴|原创力|下载券|开通\s*VIP|VIP\s*会员|加入\s*VIP|成为会员|会员下载|免费下载|精品文档|可编辑|word版|第\s*\d+\s*页\s*[，,/]?\s*共\s*\d+\s*页|^\s*\d+\s*/\s*\d+\s*$",
    re.IGNORECASE,
)


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE.search(line))


def parse_date(text: str):
    """'2026-03-01', '2026年3月1日', '2026.3.1' → a date; anything else → None."""
    import datetime as dt

    match = re.fullmatch(r"\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*", text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None
