"""统一社会信用代码 (GB 32100-2015): 18 characters, last one a check character."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from declarations.validators import validate_credit_code

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(body17):
    return body17 + uscc.calc_check_digit(body17)


VALID = [
    with_check("91110000" + "600037341"),   # enterprise (工商, 企业)
    with_check("12100000" + "400000624"),   # public institution (机构编制, 事业单位)
    with_check("51100000" + "500000127"),   # social organisation / association (民政, 社会团体)
    "91350100M000100Y43",                     # a real-format code whose check character is a letter
]
# Authority codes A (central military), N (agriculture) and Y (others) are legal in
# GB 32100-2015 but python-stdnum refuses them (it wants digits in positions 1-8).
# We accept them deliberately and still verify the check character.
NON_DIGIT_AUTHORITY = [with_check("A1110000" + "MA0000001"), with_check("N2110000" + "MA0000002"),
                       with_check("Y1110000" + "MA0000003")]


@pytest.mark.parametrize("code", VALID + NON_DIGIT_AUTHORITY)
def test_it_accepts_valid_codes(code):
    validate_credit_code(code)


def test_stdnum_alone_would_refuse_an_n_prefixed_code():
    code = NON_DIGIT_AUTHORITY[1]
    assert not uscc.is_valid(code)
    validate_credit_code(code)


def test_it_accepts_lower_case_and_spaces():
    validate_credit_code(" " + VALID[0].lower()[:9] + " " + VALID[0].lower()[9:])


@pytest.mark.parametrize("base", VALID + NON_DIGIT_AUTHORITY)
def test_it_refuses_every_wrong_check_character(base):
    wrong = [c for c in ALPHABET if c != base[-1]]
    assert len(wrong) == 30
    for c in wrong:
        with pytest.raises(ValidationError) as e:
            validate_credit_code(base[:17] + c)
        assert e.value.messages == ["统一社会信用代码校验位不正确，请核对最后一位"]


@pytest.mark.parametrize("code,n", [(VALID[0][:17], 17), (VALID[0] + "1", 19), ("", 0), ("9111", 4)])
def test_it_refuses_wrong_length_and_says_how_many(code, n):
    with pytest.raises(ValidationError) as e:
        validate_credit_code(code)
    assert e.value.messages == [f"统一社会信用代码应为 18 位，您输入了 {n} 位"]


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_it_refuses_forbidden_letters_by_name(letter):
    code = VALID[0][:10] + letter + VALID[0][11:]
    with pytest.raises(ValidationError) as e:
        validate_credit_code(code)
    assert f"不允许的字符：{letter}" in e.value.messages[0]
    assert "I、O、S、V、Z" in e.value.messages[0]


def test_it_refuses_punctuation_and_chinese():
    with pytest.raises(ValidationError) as e:
        validate_credit_code(VALID[0][:16] + "中*")
    assert "不允许的字符" in e.value.messages[0]


def test_it_refuses_an_unknown_authority_code():
    with pytest.raises(ValidationError) as e:
        validate_credit_code(with_check("B1110000" + "MA0000001"))
    assert "第 1 位" in e.value.messages[0]


def test_it_refuses_letters_in_the_region_code():
    with pytest.raises(ValidationError) as e:
        validate_credit_code(with_check("9111A000" + "MA0000001"))
    assert "行政区划码" in e.value.messages[0]
