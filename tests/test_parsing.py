"""The cell parsers, on values as provincial lists really write them."""

import datetime as dt
from decimal import Decimal

import pytest

from plugins.ocop import parsing
from plugins.ocop.error_codes import ImportErrorCode
from plugins.ocop.groups import group_code
from plugins.ocop.models import IssuingLevel, ProducerType, add_months
from plugins.ocop.text import fold, key, nfc, slugify


@pytest.mark.parametrize(
    "value, stars",
    [
        ("4", 4),
        ("4 sao", 4),
        ("4*", 4),
        ("★★★★", 4),
        ("hạng 4 sao", 4),
        ("3 SAO", 3),
        ("Hạng 5 sao", 5),
        (4, 4),
        (3.0, 3),
        ("★★★", 3),
        ("2 sao", 2),
    ],
)
def test_star_spellings_are_read(value, stars):
    assert parsing.parse_stars(value) == stars


@pytest.mark.parametrize("value", ["", "sáu sao", "6", "0 sao", "4.5", "3 hoặc 4", "tốt"])
def test_not_a_star_rank_is_refused_with_a_code(value):
    with pytest.raises(parsing.CellError) as caught:
        parsing.parse_stars(value)
    assert caught.value.code in (ImportErrorCode.INVALID_STARS, ImportErrorCode.REQUIRED)
    assert caught.value.message


@pytest.mark.parametrize(
    "value, expected, year_only",
    [
        ("10/11/2023", dt.date(2023, 11, 10), False),
        ("2/3/2024", dt.date(2024, 3, 2), False),
        ("1620/QĐ-UBND ngày 10/11/2023", dt.date(2023, 11, 10), False),
        ("1501/QĐ-UBND, 15/10/2022", dt.date(2022, 10, 15), False),
        ("ngày 05 tháng 4 năm 2024", dt.date(2024, 4, 5), False),
        ("2024-04-05", dt.date(2024, 4, 5), False),
        (dt.datetime(2023, 8, 1, 0, 0), dt.date(2023, 8, 1), False),
        (45231, dt.date(2023, 11, 1), False),
        ("45231", dt.date(2023, 11, 1), False),
        ("2022", dt.date(2022, 1, 1), True),
        (2022, dt.date(2022, 1, 1), True),
        ("Năm 2021", dt.date(2021, 1, 1), True),
    ],
)
def test_dates_day_first_excel_and_year_alone(value, expected, year_only):
    parsed = parsing.find_date(value)
    assert parsed == parsing.ParsedDate(expected, year_only)


def test_impossible_date_is_an_error():
    with pytest.raises(parsing.CellError) as caught:
        parsing.find_date("31/02/2024")
    assert caught.value.code == ImportErrorCode.INVALID_DATE


@pytest.mark.parametrize(
    "value, number",
    [
        ("1620/QĐ-UBND ngày 10/11/2023", "1620/QĐ-UBND"),
        ("Số 221/QĐ-UBND ngày 2/3/2024", "221/QĐ-UBND"),
        ("145/QĐ-BNN-VPĐP ngày 14/02/2025", "145/QĐ-BNN-VPĐP"),
        ("1234/QD-UBND", "1234/QĐ-UBND"),
        ("1234 / qđ - ubnd", "1234/QĐ-UBND"),
        ("10/11/2023", ""),
    ],
)
def test_decision_numbers_are_normalised(value, number):
    assert parsing.find_decision_number(value) == number


@pytest.mark.parametrize(
    "name, kind",
    [
        ("HTX Dịch vụ nông nghiệp Hòa Hậu", ProducerType.COOPERATIVE),
        ("Hợp tác xã Chè Liêm Sơn", ProducerType.COOPERATIVE),
        ("Tổ hợp tác bánh gai Nhân Bình", ProducerType.COOPERATIVE_GROUP),
        ("THT Mây tre đan Ngọc Động", ProducerType.COOPERATIVE_GROUP),
        ("Công ty TNHH Nông sản Liêm Thuận", ProducerType.ENTERPRISE),
        ("Công ty CP Thêu Thanh Hà", ProducerType.ENTERPRISE),
        ("DNTN Thực phẩm Nhân Đạo", ProducerType.ENTERPRISE),
        ("Hộ kinh doanh Trần Văn Hùng", ProducerType.HOUSEHOLD),
        ("Hộ sản xuất Đinh Thị Mai", ProducerType.HOUSEHOLD),
        ("Cơ sở sản xuất Minh Phát", ProducerType.HOUSEHOLD),
        ("Nguyễn Văn A", ProducerType.OTHER),
        ("Htxx Sai", ProducerType.OTHER),
    ],
)
def test_producer_type_is_inferred_from_the_name_prefix(name, kind):
    assert parsing.infer_producer_type(name) == kind


def test_producer_type_column_wins_and_nonsense_is_an_error():
    assert parsing.parse_producer_type("Doanh nghiệp") == ProducerType.ENTERPRISE
    with pytest.raises(parsing.CellError):
        parsing.parse_producer_type("không rõ")


@pytest.mark.parametrize(
    "text, code",
    [
        ("Thực phẩm", 1),
        ("thuc pham", 1),
        ("Đồ uống", 2),
        ("Dược liệu và sản phẩm từ dược liệu", 3),
        ("Thảo dược", 3),
        ("Thủ công mỹ nghệ", 4),
        ("Vải và may mặc", 4),
        ("Lưu niệm - nội thất - trang trí", 4),
        ("Lưu niệm – nội thất – trang trí", 4),
        ("Sinh vật cảnh", 5),
        ("Dịch vụ du lịch nông thôn", 6),
        ("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", 6),
        ("Nhóm 2: Đồ uống", 2),
        ("3", 3),
        ("Hàng điện tử", None),
    ],
)
def test_groups_2023_and_2019_names_map_to_the_six_groups(text, code):
    assert group_code(text) == code


def test_issuing_level_parsed_or_inferred():
    assert parsing.parse_issuing_level("Cấp huyện") == IssuingLevel.DISTRICT
    assert parsing.parse_issuing_level("cap tinh") == IssuingLevel.PROVINCE
    assert parsing.parse_issuing_level("Trung ương") == IssuingLevel.CENTRAL
    assert parsing.parse_issuing_level("") is None
    assert parsing.infer_issuing_level(3, "12/QĐ-UBND") == IssuingLevel.DISTRICT
    assert parsing.infer_issuing_level(4, "12/QĐ-UBND") == IssuingLevel.PROVINCE
    assert parsing.infer_issuing_level(5, "145/QĐ-BNN-VPĐP") == IssuingLevel.CENTRAL
    assert parsing.infer_issuing_level(3, "145/QĐ-BNN-VPĐP") == IssuingLevel.CENTRAL


def test_score_must_match_the_star_band():
    parsing.check_score_matches_stars(72, 4)
    with pytest.raises(parsing.CellError) as caught:
        parsing.check_score_matches_stars(65, 4)
    assert caught.value.code == ImportErrorCode.SCORE_STARS_MISMATCH


@pytest.mark.parametrize(
    "value, amount",
    [("150.000", 150000), ("150,000", 150000), ("150000 đ", 150000), (85000, 85000), ("", None)],
)
def test_vnd_prices(value, amount):
    assert parsing.parse_price(value) == (Decimal(amount) if amount is not None else None)


def test_tax_codes():
    assert parsing.parse_tax_code("0700123456") == "0700123456"
    assert parsing.parse_tax_code("0700123456-001") == "0700123456-001"
    with pytest.raises(parsing.CellError):
        parsing.parse_tax_code("12345")


def test_validity_is_36_months_clamped_to_month_end():
    assert add_months(dt.date(2023, 11, 10), 36) == dt.date(2026, 11, 10)
    assert add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)


def test_text_is_nfc_and_folds_like_people_type():
    decomposed = "Ba\u0301nh đa"  # combining acute, as Windows-1258 stores it
    assert nfc(decomposed) == "Bánh đa"
    assert fold("Bánh Đa  Đông Hòa") == "banh da dong hoa"
    assert key("TP. Phủ Lý") == "tp phu ly"
    assert slugify("Bánh đa nem Phú Phúc") == "banh-da-nem-phu-phuc"
