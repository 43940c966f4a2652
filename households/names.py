from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Pinyin initials for search: 李小明 -> lxm. Non-Chinese letters are kept, lower-cased."""
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")[:50]
