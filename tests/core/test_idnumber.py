"""Resident ID numbers (GB 11643-1999): checksum, normalisation, 15-digit upgrade, masking, crypto.

Check character: S = sum(digit_i * weight_i) over the first 17 digits, weights
7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; S mod 11 = 0..10 maps to "1 0 X 9 8 7 6 5 4 3 2".
"""

import datetime as dt

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from core import idnumber

# 11010519491231002X (the well-known national-standard sample):
#   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 7*1 + 2*9 + 3*10 + 1*5 + 0*8 + 0*4 + 2*2
#   = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167;  167 mod 11 = 2  ->  "X"
BEIJING_SAMPLE = "11010519491231002X"
# 440524188001010014 (born 1880-01-01, the earliest year we accept):
#   4*7 + 4*9 + 0*10 + 5*5 + 2*8 + 4*4 + 1*2 + 8*1 + 8*6 + 0*3 + 0*7 + 1*9 + 0*10 + 1*5 + 0*8 + 0*4 + 1*2
#   = 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195;  195 mod 11 = 8  ->  "4"
SHANTOU_1880 = "440524188001010014"
# 442000196005170019 (a Zhongshan number, born 1960-05-17, sequence 001 = male):
#   4*7 + 4*9 + 2*10 + 0*5 + 0*8 + 0*4 + 1*2 + 9*1 + 6*6 + 0*3 + 0*7 + 5*9 + 1*10 + 7*5 + 0*8 + 0*4 + 1*2
#   = 28+36+20+0+0+0+2+9+36+0+0+45+10+35+0+0+2 = 223;  223 mod 11 = 3  ->  "9"
ZHONGSHAN = "442000196005170019"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [(BEIJING_SAMPLE[:17], "X"), (SHANTOU_1880[:17], "4"), (ZHONGSHAN[:17], "9")],
)
def test_check_char_matches_hand_computed_value(first17, expected):
    assert idnumber.check_char(first17) == expected


def test_every_remainder_maps_to_the_standard_check_character():
    assert idnumber.CHECK_CHARS == "10X98765432"
    assert idnumber.WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_parse_valid_number_gives_birth_date_and_sex():
    parsed = idnumber.parse(ZHONGSHAN)
    assert parsed.value == ZHONGSHAN
    assert parsed.birth_date == dt.date(1960, 5, 17)
    assert parsed.sex == "male"  # sequence 001: odd


def test_even_sequence_is_female():
    first17 = "44200019600517002"
    assert idnumber.parse(first17 + idnumber.check_char(first17)).sex == "female"


def test_parse_accepts_1880_and_the_x_check_character():
    assert idnumber.parse(SHANTOU_1880).birth_date == dt.date(1880, 1, 1)
    assert idnumber.parse(BEIJING_SAMPLE).value == BEIJING_SAMPLE


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",  # lower-case x
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X (typed with a Chinese IME)
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "'11010519491231002X",  # Excel's leading apostrophe (text cell)
        "’11010519491231002X",  # the same, auto-corrected to a curly quote
        " 110105 19491231 002X ",  # spaces inside and around
        "110105\u300019491231002X",  # ideographic (full-width) space
        "\t11010519491231002X\n",
    ],
)
def test_normalisation_of_what_users_paste(raw):
    assert idnumber.parse(raw).value == BEIJING_SAMPLE


def test_fifteen_digit_number_is_upgraded_to_eighteen():
    # 110105 491231 002 -> insert "19" after the area code -> 11010519491231002 + check "X"
    parsed = idnumber.parse("110105491231002")
    assert parsed.value == BEIJING_SAMPLE
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert idnumber.upgrade15("110105491231002") == BEIJING_SAMPLE


def test_upgraded_and_original_number_hash_to_the_same_person():
    assert idnumber.id_hash(idnumber.parse("110105491231002").value) == idnumber.id_hash(BEIJING_SAMPLE)


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("110105194902310021", "invalid_id_format", "出生日期无效"),  # 31 February
        ("110105194913010021", "invalid_id_format", "出生日期无效"),  # month 13
        ("110105187912310021", "invalid_id_format", "出生日期无效"),  # before 1880
        ("110105194912310021", "invalid_id_checksum", "校验位不正确"),  # should end in X
        ("442000196005170010", "invalid_id_checksum", "校验位不正确"),  # should end in 9
        ("11010519491231002", "invalid_id_format", "18位"),  # 17 digits
        ("1101051949123100211", "invalid_id_format", "18位"),  # 19 digits
        ("11010519491231X021", "invalid_id_format", "18位"),  # X not at the end
        ("11010519491231002Y", "invalid_id_format", "18位"),
        ("", "invalid_id_format", "18位"),
        ("李小明", "invalid_id_format", "18位"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_reason(raw, code, message):
    with pytest.raises(idnumber.IdNumberError) as info:
        idnumber.parse(raw)
    assert info.value.code == code
    assert message in info.value.message


def test_birth_date_in_the_future_is_rejected():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = f"442000{tomorrow:%Y%m%d}001"
    with pytest.raises(idnumber.IdNumberError) as info:
        idnumber.parse(first17 + idnumber.check_char(first17))
    assert info.value.code == "invalid_id_format"


def test_fifteen_digit_number_with_impossible_date_is_rejected():
    with pytest.raises(idnumber.IdNumberError):
        idnumber.parse("110105490231002")  # 1949-02-31


def test_mask_keeps_area_code_and_last_four():
    assert idnumber.mask(ZHONGSHAN) == "442000********0019"
    assert idnumber.mask(BEIJING_SAMPLE) == "110105********002X"
    assert idnumber.parse(ZHONGSHAN).masked == "442000********0019"
    assert len(idnumber.mask(ZHONGSHAN)) == 18
    assert idnumber.mask("") == ""
    assert idnumber.mask("12345") == "*****"  # too short to show anything


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        ("0760-88881234", "076******1234"),
        ("88881234", "888*1234"),
        ("1234567", "12*****"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert idnumber.mask_phone(phone) == masked


def test_encrypt_decrypt_round_trip_and_no_clear_text():
    token = idnumber.encrypt(ZHONGSHAN)
    assert idnumber.decrypt(token) == ZHONGSHAN
    assert ZHONGSHAN not in token
    assert idnumber.encrypt("") == ""
    assert idnumber.decrypt("") == ""


def test_ciphertexts_differ_each_time():
    tokens = {idnumber.encrypt(ZHONGSHAN) for _ in range(5)}
    assert len(tokens) == 5  # a fresh nonce each time: equal numbers are not recognisable at rest
    assert {idnumber.decrypt(t) for t in tokens} == {ZHONGSHAN}


def test_tampered_ciphertext_is_refused():
    import base64

    raw = bytearray(base64.b64decode(idnumber.encrypt(ZHONGSHAN)))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        idnumber.decrypt(base64.b64encode(bytes(raw)).decode())


def test_ciphertext_cannot_be_read_with_another_key():
    token = idnumber.encrypt(ZHONGSHAN)
    with override_settings(FIELD_ENCRYPTION_KEY="another-key"), pytest.raises(InvalidTag):
        idnumber.decrypt(token)


def test_id_hash_is_stable_keyed_and_not_the_number():
    first = idnumber.id_hash(ZHONGSHAN)
    assert first == idnumber.id_hash(ZHONGSHAN)
    assert len(first) == 64
    assert ZHONGSHAN not in first
    assert first != idnumber.id_hash(BEIJING_SAMPLE)
    with override_settings(ID_HASH_KEY="another-key"):
        assert idnumber.id_hash(ZHONGSHAN) != first  # without the key the hash cannot be recomputed
    assert idnumber.id_hash(ZHONGSHAN) == first
