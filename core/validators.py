import re

MOBILE = re.compile(r"^1\d{10}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s()（）]", "", str(raw or "")).replace("—", "-").replace("－", "-")


def is_valid_phone(value: str) -> bool:
    """An 11-digit mobile starting with 1, or a landline (0760-88881234, 88881234)."""
    return bool(MOBILE.match(value) or LANDLINE.match(value))
