"""Identity numbers in rejected rows: stored sealed, shown masked (issue 9, item 9).

A rejected row keeps its original cells so the clerk can fix and re-import them. The cells of the
ID number, the head's ID number and the phone are kept in ``ImportRowError.values`` masked
(``442000********1234``) and in clear only inside ``ImportRowError.sealed``, encrypted with the
field-encryption key like every other ID number at rest. The birth-date cell is masked too: with
the masked ID it would rebuild the whole number.

Only the error report an admin asks for "with clear values" opens the seal, and that is logged in
the reveal log (core.RevealLog).
"""

import json

from core import idnumber

from . import normalize as n

ID_FIELDS = ("id_number", "head_id_number")
PHONE_FIELDS = ("phone",)
DATE_FIELDS = ("birth_date",)
SENSITIVE_FIELDS = ID_FIELDS + PHONE_FIELDS + DATE_FIELDS


def sensitive_columns(columns: dict[str, int]) -> dict[int, str]:
    """{column index: field} of the header's sensitive columns."""
    return {index: field for field, index in columns.items() if field in SENSITIVE_FIELDS}


def columns_of_header(header: list, header_row: int | None) -> dict[int, str]:
    matched = n.match_header(header_row or 0, list(header or []))
    return sensitive_columns(matched.columns) if matched else {}


def mask_cell(field: str, value: str) -> str:
    text = "".join(str(value).split())
    if not text:
        return ""
    if field in ID_FIELDS:
        if sum(ch.isdigit() for ch in text) < 8:
            return text  # "4.42E+17", "无": nothing of a number left to protect, and the clerk needs it
        return idnumber.mask(text)
    if field in PHONE_FIELDS:
        return idnumber.mask_phone(text)
    return text[:4] + "-**-**" if len(text) >= 4 else "*" * len(text)  # a birth date: the year only


class Sealer:
    """Masks and seals the sensitive cells of raw rows; one per import (the cipher is looked up
    once, and the rows of one row number share one sealing)."""

    def __init__(self, columns: dict[int, str]):
        self.columns = columns
        self.encrypt = idnumber.encrypter()
        self._last: tuple[list, list, str] | None = None

    def protect(self, raw: list) -> tuple[list, str]:
        """(values with the sensitive cells masked, the clear cells sealed) for one raw row."""
        if not raw or not self.columns:
            return raw, ""
        last = self._last
        if last is not None and last[0] is raw:
            return last[1], last[2]
        values = list(raw)
        clear = {}
        for index, field in self.columns.items():
            if index < len(values) and values[index] not in (None, ""):
                clear[str(index)] = values[index]
                values[index] = mask_cell(field, values[index])
        sealed = self.encrypt(json.dumps(clear, ensure_ascii=False)) if clear else ""
        self._last = (raw, values, sealed)
        return values, sealed


def reveal(values: list, sealed: str) -> list:
    """The row's original values with the sealed cells put back (for the clear report only)."""
    if not sealed:
        return list(values or [])
    out = list(values or [])
    for index, value in json.loads(idnumber.decrypt(sealed)).items():
        position = int(index)
        if position < len(out):
            out[position] = value
    return out
