"""households.names.name_initials must give exactly what pypinyin's lazy_pinyin gives."""

import random

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.pinyin_dict import pinyin_dict

from households.names import name_initials

COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "单解仇朴查区欧阳司马诸葛长乐行重朝尉迟万俟伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
)


def reference(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")[:50]


def test_known_names():
    assert name_initials("李小明") == "lxm"
    assert name_initials("欧阳娜娜") == "oynn"  # 欧阳 is read as a word
    assert name_initials("Tom 李") == "toml"
    assert name_initials("") == ""


def test_every_single_character_matches_pypinyin():
    chars = [chr(code) for code in pinyin_dict]
    assert [name_initials(ch) for ch in chars] == [reference(ch) for ch in chars]


def test_thousands_of_names_match_pypinyin():
    rng = random.Random(20240301)
    chars = [chr(code) for code in pinyin_dict]
    phrases = [k for k in PHRASES_DICT if len(k) <= 3]
    names = ["长孙无忌", "单于", "ΟΔΟΣ李", "李 小明", "x" * 80, "李" * 60, "〇々ー·", " "]
    for _ in range(5000):
        roll = rng.random()
        if roll < 0.4:
            name = "".join(rng.choice(COMMON) for _ in range(rng.choice((2, 3, 4))))
        elif roll < 0.6:
            name = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 3, 4, 6))))
        elif roll < 0.8:
            name = rng.choice(phrases) + rng.choice(COMMON)
        else:
            name = "".join(
                rng.choice(COMMON + "ab Z·.Σ1〇々ー・Tom") for _ in range(rng.choice((2, 3, 5, 8)))
            )
        names.append(name)
    assert [name_initials(n) for n in names] == [reference(n) for n in names]
