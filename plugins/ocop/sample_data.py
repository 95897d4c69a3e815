"""An ILLUSTRATIVE Hà Nam OCOP certificate list for demos and tests (not an official list).

``build_sample_rows(today)`` returns the rows (one dict per row, keyed by the ``HEADER``
labels) and ``write_sample_xlsx(path, today)`` writes them as a provincial list would look:
the letterhead "UBND TỈNH HÀ NAM" first (so the importer takes Hà Nam as the default
province), titles saying "SỐ LIỆU MINH HỌA – không phải danh sách chính thức", then the header
and ~120 rows, then a totals row.

What is real and what is not:

* Districts and communes are real: they are read from the ``vietnamadminunits`` data set (the
  63-province "legacy" table) and each address is checked to parse back to its commune with
  ``vietnamadminunits.parse_address``. A producer names its commune by a key (an old commune
  name such as "Đọi Sơn" is found among the library's merged-commune keywords); producers
  without one get the district's communes in turn.
* Producers, products, tax codes, phone numbers, decision numbers, scores and prices are made
  up (craft-village names are real places). Tax codes start with Hà Nam's "0700".

The output depends only on ``today`` (a fixed-seed ``random.Random`` picks the details), and
every decision date is chosen relative to it so that on ``today`` the list shows every state:

* most products hold a valid certificate (decided 1–30 months before ``today``);
* about one in eight expires within 90 days (decided 36 months before, plus 10–80 days);
* about one in eight has expired (decided 37–70 months before);
* six products are upgraded (an older 3★ decision, or 4★ for one 5★ product, and a newer one
  with one star more) and six are re-evaluated (an older decision 37–40 months before and a
  newer one with the same stars just after the old one expired), so the older row is
  superseded;
* four producers hold both 4★ and 5★ products; 5★ decisions are the central council's
  ("145/QĐ-BNN-VPĐP"), 4★ the province's and 3★ the district's ("1234/QĐ-UBND").

Dates are never after ``today`` and never before 2019 (the states need ``today`` in 2025 or
later to all appear). Stars are spelled in the ways lists spell them ("4 sao", "4*", "★★★★",
"hạng 3 sao"), scores lie in the band of their stars (3★ 50–69, 4★ 70–89, 5★ 90–100), and some
rows use the 2019 group names ("Vải và may mặc", "Lưu niệm - nội thất - trang trí", "Dịch vụ
du lịch nông thôn"). The list has no "Loại hình" column: types come from the name prefixes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vietnamadminunits import parse_address
from vietnamadminunits.database import get_data

from .models import VALIDITY_MONTHS, add_months
from .text import key

#: The column headers, in order; each row dict is keyed by them.
HEADER: tuple[str, ...] = (
    "TT",
    "Tên sản phẩm",
    "Chủ thể",
    "Mã số thuế",
    "Địa chỉ",
    "Làng nghề",
    "Nhóm sản phẩm",
    "Số sao",
    "Điểm",
    "Quyết định",
    "Giá (đồng)",
    "Điện thoại",
    "Mô tả",
)
LETTERHEAD = "UBND TỈNH HÀ NAM"
SAMPLE_LABEL = "SỐ LIỆU MINH HỌA – không phải danh sách chính thức"
TITLE = "DANH SÁCH SẢN PHẨM OCOP TỈNH HÀ NAM ĐÃ ĐƯỢC CÔNG NHẬN"
PROVINCE = "Hà Nam"
#: The 2024 district-level units of Hà Nam, in the order the plan lists them.
DISTRICTS: tuple[str, ...] = (
    "Phủ Lý",
    "Duy Tiên",
    "Kim Bảng",
    "Thanh Liêm",
    "Bình Lục",
    "Lý Nhân",
)
EARLIEST_DECISION = dt.date(2019, 1, 1)
_SEED = 2024

# Group names as lists write them: the 2023 names (Decision 148) and three 2019 names.
FOOD = "Thực phẩm"
DRINK = "Đồ uống"
HERB = "Dược liệu và sản phẩm từ dược liệu"
CRAFT = "Thủ công mỹ nghệ"
PLANT = "Sinh vật cảnh"
TOURISM = "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"
TEXTILE_2019 = "Vải và may mặc"
DECOR_2019 = "Lưu niệm - nội thất - trang trí"
TOURISM_2019 = "Dịch vụ du lịch nông thôn"

# How a product's certificate history is laid out (see the module docstring).
ROTATE = ""  # valid, expiring or expired, in turn
RECENT = "recent"  # one recent decision (the 5★ products)
UPGRADE = "upgrade"
REEVALUATE = "reevaluate"


@dataclass(frozen=True)
class _Product:
    name: str
    group: str
    stars: int
    price: int
    story: str
    plan: str = ROTATE


@dataclass(frozen=True)
class _Producer:
    name: str
    district: str
    products: tuple[_Product, ...]
    commune: str = ""
    village: str = ""
    hamlet: str = ""


def _p(name: str, group: str, stars: int, price: int, story: str, plan: str = ROTATE):
    return _Product(name, group, stars, price, story, plan)


PRODUCERS: tuple[_Producer, ...] = (
    # TP. Phủ Lý -------------------------------------------------------------------------------
    _Producer(
        "Hộ kinh doanh Nguyễn Đức Thắng",
        "Phủ Lý",
        (
            _p(
                "Cây cảnh nghệ thuật Liêm Chính",
                PLANT,
                3,
                2500000,
                "Những cây sanh, si, tùng được uốn tỉa qua nhiều năm theo thế cổ, mỗi chậu kể "
                "một câu chuyện về đất và người ven sông Đáy.",
            ),
        ),
        commune="Liêm Chính",
    ),
    _Producer(
        "Công ty TNHH Bánh cuốn Phủ Lý",
        "Phủ Lý",
        (
            _p(
                "Bánh cuốn chả Phủ Lý",
                FOOD,
                3,
                60000,
                "Bánh tráng mỏng trên nồi hơi, ăn cùng chả lợn nướng than hoa – món quà sáng "
                "quen thuộc của người Phủ Lý.",
                REEVALUATE,
            ),
        ),
    ),
    _Producer(
        "HTX Nông nghiệp Phù Vân",
        "Phủ Lý",
        (
            _p(
                "Rau mầm sạch Phù Vân",
                FOOD,
                3,
                30000,
                "Rau mầm gieo trên giá thể xơ dừa, tưới nước lọc, thu hái sau bảy ngày, "
                "giòn ngọt và không dùng hóa chất.",
            ),
            _p(
                "Dưa lưới Phù Vân",
                FOOD,
                3,
                55000,
                "Dưa lưới trồng trong nhà màng, tưới nhỏ giọt, ruột cam giòn và ngọt mát.",
            ),
        ),
        commune="Phù Vân",
    ),
    _Producer(
        "Công ty CP Thực phẩm Hà Nam Xanh",
        "Phủ Lý",
        (
            _p(
                "Giò bò Phủ Lý",
                FOOD,
                4,
                350000,
                "Thịt bò bắp giã tay khi còn nóng, trộn nước mắm ngon, gói lá chuối ba lớp, "
                "lát cắt có vân hoa đẹp mắt.",
            ),
            _p(
                "Chả lụa Phủ Lý",
                FOOD,
                3,
                200000,
                "Chả lụa làm từ thịt lợn nóng trong ngày, luộc chín đều, dai giòn và thơm "
                "mùi lá chuối.",
            ),
        ),
    ),
    _Producer(
        "Hộ sản xuất Lê Thị Nga",
        "Phủ Lý",
        (
            _p(
                "Hoa lan hồ điệp Kim Bình",
                PLANT,
                3,
                450000,
                "Lan hồ điệp nuôi cấy mô, chăm trong nhà lưới, nở đúng dịp Tết với những "
                "cành hoa dài và bền.",
            ),
            _p(
                "Đào thế Kim Bình",
                PLANT,
                3,
                1200000,
                "Gốc đào được tạo thế nhiều năm, hãm hoa khéo để nở rộ đúng mùa xuân.",
            ),
        ),
        commune="Kim Bình",
    ),
    _Producer(
        "DNTN Rượu Đinh Xá",
        "Phủ Lý",
        (
            _p(
                "Rượu nếp Đinh Xá",
                DRINK,
                3,
                90000,
                "Rượu nấu từ nếp cái và men lá gia truyền, chưng cất hai lần cho trong và êm.",
            ),
        ),
        commune="Đinh Xá",
    ),
    _Producer(
        "Tổ hợp tác mộc Thanh Châu",
        "Phủ Lý",
        (
            _p(
                "Bàn ghế gỗ mỹ nghệ Thanh Châu",
                DECOR_2019,
                3,
                5500000,
                "Bộ bàn ghế gỗ xoan đào chạm khắc hoa văn tứ quý bằng tay, mộng ghép không "
                "dùng đinh.",
            ),
        ),
        commune="Thanh Châu",
    ),
    _Producer(
        "Công ty TNHH Đồ uống Châu Sơn",
        "Phủ Lý",
        (
            _p(
                "Nước ép chanh leo Châu Sơn",
                DRINK,
                3,
                45000,
                "Chanh leo chín cây ép lạnh, giữ trọn vị chua thơm, không phẩm màu.",
            ),
            _p(
                "Siro dâu tằm Châu Sơn",
                DRINK,
                3,
                65000,
                "Dâu tằm chín mọng ngâm đường phèn theo cách của các bà, các mẹ, pha uống "
                "mát lành ngày hè.",
            ),
        ),
        commune="Châu Sơn",
    ),
    # Thị xã Duy Tiên --------------------------------------------------------------------------
    _Producer(
        "HTX Trống Đọi Tam",
        "Duy Tiên",
        (
            _p(
                "Trống da trâu Đọi Tam",
                CRAFT,
                4,
                2500000,
                "Tang trống bằng gỗ mít, mặt bịt da trâu phơi kỹ, tiếng trống vang xa – nghề "
                "tổ truyền hàng trăm năm của làng Đọi Tam.",
                REEVALUATE,
            ),
            _p(
                "Trống cơm mini lưu niệm",
                DECOR_2019,
                3,
                250000,
                "Chiếc trống nhỏ làm quà lưu niệm, vẫn bịt da và đóng chốt tre như trống thật "
                "của làng Đọi Tam.",
            ),
        ),
        commune="Đọi Sơn",
        village="Làng trống Đọi Tam",
        hamlet="thôn Đọi Tam",
    ),
    _Producer(
        "Hộ kinh doanh Nguyễn Văn Tuyển",
        "Duy Tiên",
        (
            _p(
                "Trống trường học Đọi Tam",
                CRAFT,
                3,
                1800000,
                "Trống trường tang gỗ mít, âm trầm và vang, được nhiều trường học khắp cả "
                "nước đặt làm.",
            ),
        ),
        commune="Đọi Sơn",
        village="Làng trống Đọi Tam",
        hamlet="thôn Đọi Tam",
    ),
    _Producer(
        "HTX Dệt Nha Xá",
        "Duy Tiên",
        (
            _p(
                "Lụa tơ tằm Nha Xá",
                CRAFT,
                5,
                650000,
                "Lụa dệt từ tơ tằm tự nhiên trên khung dệt của làng Nha Xá bên sông Hồng, mặt "
                "lụa bóng mịn, nhuộm màu thảo mộc.",
                RECENT,
            ),
            _p(
                "Khăn lụa tơ tằm Nha Xá",
                TEXTILE_2019,
                4,
                280000,
                "Khăn choàng lụa tơ tằm vẽ tay hoa văn trống đồng, nhẹ, mát và giữ màu lâu.",
            ),
        ),
        commune="Mộc Nam",
        village="Làng dệt Nha Xá",
        hamlet="thôn Nha Xá",
    ),
    _Producer(
        "Công ty TNHH Thời trang lụa Mộc Nam",
        "Duy Tiên",
        (
            _p(
                "Áo dài lụa tơ tằm Nha Xá",
                TEXTILE_2019,
                3,
                1200000,
                "Áo dài may đo từ lụa tơ tằm Nha Xá, mềm rủ và thoáng mát, giữ nét duyên của "
                "người con gái Việt.",
            ),
        ),
        commune="Mộc Nam",
        village="Làng dệt Nha Xá",
        hamlet="thôn Nha Xá",
    ),
    _Producer(
        "HTX Mây tre đan Ngọc Động",
        "Duy Tiên",
        (
            _p(
                "Giỏ mây tre đan Ngọc Động",
                DECOR_2019,
                4,
                180000,
                "Giỏ đan từ tre, giang vót mỏng của làng nghề Ngọc Động, kiểu dáng hiện đại, "
                "đã theo các hội chợ ra nhiều nước.",
                UPGRADE,
            ),
            _p(
                "Đèn mây tre trang trí",
                CRAFT,
                3,
                350000,
                "Chụp đèn đan tay từ tre và mây, ánh sáng xuyên qua nan vẽ nên những hoa văn "
                "ấm áp.",
            ),
        ),
        commune="Hoàng Đông",
        village="Làng mây tre đan Ngọc Động",
        hamlet="thôn Ngọc Động",
    ),
    _Producer(
        "Tổ hợp tác mây giang đan Trác Bút",
        "Duy Tiên",
        (
            _p(
                "Khay mây giang đan Trác Bút",
                CRAFT,
                3,
                160000,
                "Khay đan từ sợi giang chẻ nhỏ, đan khít tay theo kỹ thuật của làng Trác Bút, "
                "dùng nhiều năm vẫn bền đẹp.",
            ),
        ),
        commune="Chuyên Ngoại",
        village="Làng mây giang đan Trác Bút",
        hamlet="thôn Trác Bút",
    ),
    _Producer(
        "Công ty CP Nông sản Duy Tiên",
        "Duy Tiên",
        (
            _p(
                "Chuối tiêu hồng Yên Nam",
                FOOD,
                3,
                25000,
                "Chuối tiêu hồng trồng trên đất bãi sông Hồng, quả dài, vỏ mỏng, thịt thơm dẻo.",
            ),
            _p(
                "Chuối sấy giòn Duy Tiên",
                FOOD,
                3,
                60000,
                "Chuối tiêu hồng thái lát sấy chân không, giòn tan và không thêm đường.",
            ),
        ),
        commune="Yên Nam",
    ),
    _Producer(
        "HTX Chăn nuôi gà Móng Tiên Phong",
        "Duy Tiên",
        (
            _p(
                "Gà Móng Duy Tiên",
                FOOD,
                4,
                350000,
                "Giống gà Móng quý của làng Móng, chân to xù xì, thịt chắc, da giòn, xưa "
                "từng là lễ vật tiến vua.",
            ),
            _p(
                "Gà Móng ủ muối hoa tiêu",
                FOOD,
                3,
                400000,
                "Gà Móng nguyên con ủ muối hạt và hoa tiêu trong nồi đất, thịt săn, ngọt và thơm.",
            ),
        ),
        commune="Tiên Phong",
    ),
    _Producer(
        "Hộ kinh doanh Trần Thị Hoa",
        "Duy Tiên",
        (
            _p(
                "Mắm tép Châu Giang",
                FOOD,
                3,
                80000,
                "Tép riu sông Châu muối chượp với thính gạo rang, ủ chín trong chum sành ba tháng.",
            ),
        ),
        commune="Châu Giang",
    ),
    _Producer(
        "Công ty TNHH Thực phẩm Đồng Văn",
        "Duy Tiên",
        (
            _p(
                "Xúc xích thịt lợn Duy Tiên",
                FOOD,
                3,
                150000,
                "Xúc xích tươi từ thịt lợn nuôi tại Duy Tiên, hun khói nhẹ, không chất bảo quản.",
            ),
            _p(
                "Chả quế Duy Tiên",
                FOOD,
                3,
                190000,
                "Giò sống quết nhuyễn trộn bột quế, nướng trên than hoa đến khi lớp vỏ vàng "
                "sậm thơm lừng.",
            ),
        ),
        commune="Đồng Văn",
    ),
    _Producer(
        "HTX Hoa cây cảnh Duy Hải",
        "Duy Tiên",
        (
            _p(
                "Quất cảnh Duy Hải",
                PLANT,
                3,
                800000,
                "Quất cảnh tạo dáng bonsai, trái vàng đều, là lộc xuân của nhiều gia đình mỗi "
                "dịp Tết.",
            ),
        ),
        commune="Duy Hải",
    ),
    _Producer(
        "Hộ sản xuất Lê Văn Bình",
        "Duy Tiên",
        (
            _p(
                "Mật ong hoa nhãn Trác Văn",
                FOOD,
                3,
                250000,
                "Mật lấy từ đàn ong nuôi giữa vườn nhãn ven sông Châu, sánh đặc và thơm hương hoa.",
            ),
        ),
        commune="Trác Văn",
    ),
    # Thị xã Kim Bảng --------------------------------------------------------------------------
    _Producer(
        "HTX Gốm Quyết Thành",
        "Kim Bảng",
        (
            _p(
                "Gốm Quyết Thành",
                DECOR_2019,
                4,
                200000,
                "Gốm nặn từ đất sét vàng chân núi Kim Bảng, nung củi, men nâu trầm – nghề gốm "
                "hơn ba trăm năm của làng Quyết Thành.",
                UPGRADE,
            ),
            _p(
                "Bình gốm men rạn Quyết Thành",
                CRAFT,
                3,
                450000,
                "Bình gốm men rạn vẽ tay hoa sen, mỗi vết rạn là một dấu lửa riêng của lò nung.",
            ),
        ),
        commune="Thanh Sơn",
        village="Làng gốm Quyết Thành",
        hamlet="thôn Quyết Thành",
    ),
    _Producer(
        "Công ty CP Du lịch Tam Chúc",
        "Kim Bảng",
        (
            _p(
                "Du lịch sinh thái hồ Tam Chúc",
                TOURISM,
                4,
                300000,
                "Du thuyền trên hồ Tam Chúc giữa những ngọn núi đá vôi, ghé quần thể chùa Tam "
                "Chúc và làng chài ven hồ.",
            ),
            _p(
                "Đạp xe quanh hồ Tam Chúc",
                TOURISM_2019,
                3,
                150000,
                "Đạp xe theo đường ven hồ qua ruộng lúa và làng quê, dừng chân thưởng thức "
                "bánh đa và trà xanh.",
            ),
        ),
        commune="Ba Sao",
    ),
    _Producer(
        "Hộ sản xuất Đinh Thị Mai",
        "Kim Bảng",
        (
            _p(
                "Mật ong hoa rừng Ba Sao",
                FOOD,
                3,
                300000,
                "Mật khai thác từ đàn ong nuôi trong rừng núi đá vôi Ba Sao, ngọt đậm, hậu "
                "đắng nhẹ.",
            ),
        ),
        commune="Ba Sao",
    ),
    _Producer(
        "HTX Du lịch Thi Sơn",
        "Kim Bảng",
        (
            _p(
                "Homestay sinh thái Thi Sơn",
                TOURISM_2019,
                3,
                450000,
                "Nhà sàn gỗ bên dòng sông Đáy, khách câu cá, làm bánh đa và ngắm núi Ngũ Động "
                "Thi Sơn.",
                REEVALUATE,
            ),
        ),
        commune="Thi Sơn",
    ),
    _Producer(
        "Công ty TNHH Dược liệu Kim Bảng",
        "Kim Bảng",
        (
            _p(
                "Cao lá vằng Kim Bảng",
                HERB,
                5,
                550000,
                "Cao nấu từ lá vằng sẻ hái trên núi đá vôi Kim Bảng, bài thuốc dân gian giúp "
                "sản phụ lợi sữa, mau hồi sức.",
                RECENT,
            ),
            _p(
                "Trà lá vằng túi lọc",
                HERB,
                4,
                85000,
                "Lá vằng sẻ sao khô, nghiền vừa và đóng túi lọc để pha nhanh mỗi ngày.",
            ),
        ),
        commune="Thụy Lôi",
    ),
    _Producer(
        "HTX Nông nghiệp Nguyễn Úy",
        "Kim Bảng",
        (
            _p(
                "Cà pháo muối Nguyễn Úy",
                FOOD,
                3,
                45000,
                "Cà pháo muối xổi trong vại sành với tỏi ớt, giòn sần sật – món quen của mâm "
                "cơm quê.",
            ),
        ),
        commune="Nguyễn Úy",
    ),
    _Producer(
        "Tổ hợp tác nuôi cá Khả Phong",
        "Kim Bảng",
        (
            _p(
                "Cá rô đồng kho tộ Khả Phong",
                FOOD,
                3,
                180000,
                "Cá rô đồng đánh bắt ở chân ruộng chiêm, kho tộ với nước hàng và tiêu, chắc "
                "thịt, thơm béo.",
            ),
            _p(
                "Cá chép giòn Khả Phong",
                FOOD,
                3,
                160000,
                "Cá chép nuôi ao nước chảy, cho ăn đậu tằm để thịt giòn sần, nấu lẩu hay "
                "hấp đều ngon.",
            ),
        ),
        commune="Khả Phong",
    ),
    _Producer(
        "Hộ kinh doanh Phạm Thị Hằng",
        "Kim Bảng",
        (
            _p(
                "Bánh đa cua Văn Xá",
                FOOD,
                3,
                40000,
                "Sợi bánh đa đỏ làm từ gạo và mật mía, nấu cùng riêu cua đồng – bữa sáng của "
                "vùng chiêm trũng.",
            ),
        ),
        commune="Văn Xá",
    ),
    _Producer(
        "HTX Rau hữu cơ Đại Cương",
        "Kim Bảng",
        (
            _p(
                "Rau cải hữu cơ Đại Cương",
                FOOD,
                3,
                30000,
                "Rau trồng theo tiêu chuẩn hữu cơ PGS, tưới nước giếng lọc, không dùng thuốc "
                "hóa học.",
            ),
            _p(
                "Dưa chuột hữu cơ Đại Cương",
                FOOD,
                3,
                28000,
                "Dưa chuột leo giàn tre, bón phân chuồng ủ hoai, hái non khi quả còn gai.",
            ),
        ),
        commune="Đại Cương",
    ),
    _Producer(
        "Công ty CP Nước uống Liên Sơn",
        "Kim Bảng",
        (
            _p(
                "Nước uống tinh khiết Liên Sơn",
                DRINK,
                3,
                15000,
                "Nước từ mạch ngầm chân núi đá vôi Liên Sơn, lọc RO và đóng chai ngay tại nguồn.",
            ),
        ),
        commune="Liên Sơn",
    ),
    _Producer(
        "Hộ sản xuất Trần Văn Khải",
        "Kim Bảng",
        (
            _p(
                "Lan kiếm Lê Hồ",
                PLANT,
                3,
                600000,
                "Lan kiếm nhân giống từ những cây sưu tầm trên núi đá Kim Bảng, hoa thơm dịu "
                "vào dịp Tết.",
            ),
        ),
        commune="Lê Hồ",
    ),
    # Huyện Thanh Liêm -------------------------------------------------------------------------
    _Producer(
        "HTX Chè Liêm Sơn",
        "Thanh Liêm",
        (
            _p(
                "Trà xanh Liêm Sơn",
                DRINK,
                4,
                200000,
                "Chè búp trên đồi Liêm Sơn sao tay trong chảo gang, nước xanh, chát dịu, hậu "
                "ngọt sâu.",
                UPGRADE,
            ),
            _p(
                "Trà búp khô Liêm Sơn",
                DRINK,
                3,
                150000,
                "Búp chè một tôm hai lá vò kỹ, sấy củi, hợp pha ấm trà sáng của người làng.",
            ),
        ),
        commune="Liêm Sơn",
    ),
    _Producer(
        "Công ty CP Thêu ren Thanh Hà",
        "Thanh Liêm",
        (
            _p(
                "Tranh thêu tay phong cảnh",
                CRAFT,
                4,
                1500000,
                "Tranh thêu chỉ tơ theo lối thêu nổi, mỗi bức mất hàng tháng công của thợ thêu "
                "làng An Hòa.",
            ),
            _p(
                "Khăn trải bàn thêu ren Thanh Hà",
                TEXTILE_2019,
                5,
                950000,
                "Khăn trải bàn thêu ren rút sợi hoàn toàn bằng tay – nghề đã đưa tên Thanh Hà "
                "đến khách châu Âu.",
                RECENT,
            ),
        ),
        commune="Thanh Hà",
        village="Làng thêu ren An Hòa",
        hamlet="thôn An Hòa",
    ),
    _Producer(
        "Hộ kinh doanh Nguyễn Thị Hương",
        "Thanh Liêm",
        (
            _p(
                "Gối thêu tay An Hòa",
                TEXTILE_2019,
                3,
                250000,
                "Vỏ gối lanh thêu tay hoa sen và chim hạc, đường kim đều và mịn như vẽ.",
            ),
        ),
        commune="Thanh Hà",
        village="Làng thêu ren An Hòa",
        hamlet="thôn An Hòa",
    ),
    _Producer(
        "Công ty TNHH Nông sản Liêm Thuận",
        "Thanh Liêm",
        (
            _p(
                "Miến dong Thanh Liêm",
                FOOD,
                3,
                70000,
                "Miến làm từ tinh bột dong riềng trồng trên đồi Thanh Liêm, sợi dai, nấu không "
                "nát.",
                REEVALUATE,
            ),
            _p(
                "Bột sắn dây Liêm Thuận",
                FOOD,
                3,
                120000,
                "Củ sắn dây đào cuối năm, lọc tinh bột qua nhiều lần nước, phơi khô, pha uống "
                "thanh mát.",
            ),
        ),
        commune="Liêm Thuận",
    ),
    _Producer(
        "HTX Nông nghiệp Thanh Tân",
        "Thanh Liêm",
        (
            _p(
                "Gạo Bắc thơm Thanh Tân",
                FOOD,
                3,
                25000,
                "Gạo Bắc thơm cấy trên cánh đồng ven núi, hạt nhỏ, cơm dẻo và thơm.",
            ),
            _p(
                "Nếp cẩm Thanh Tân",
                FOOD,
                3,
                45000,
                "Nếp cẩm hạt tím than, đồ xôi hay ủ rượu nếp cẩm đều dẻo thơm.",
            ),
        ),
        commune="Thanh Tân",
    ),
    _Producer(
        "Tổ hợp tác dê núi Thanh Thủy",
        "Thanh Liêm",
        (
            _p(
                "Thịt dê núi Thanh Thủy",
                FOOD,
                3,
                280000,
                "Dê thả trên núi đá vôi ăn lá rừng, thịt săn chắc, ít mỡ, sơ chế và hút chân "
                "không.",
            ),
        ),
        commune="Thanh Thủy",
    ),
    _Producer(
        "Hộ sản xuất Vũ Văn Long",
        "Thanh Liêm",
        (
            _p(
                "Rượu nếp Thanh Nghị",
                DRINK,
                3,
                100000,
                "Rượu nếp cái nấu bằng nồi đồng, men lá gia truyền, để lâu càng êm.",
            ),
        ),
        commune="Thanh Nghị",
    ),
    _Producer(
        "HTX Dược liệu Thanh Hương",
        "Thanh Liêm",
        (
            _p(
                "Tinh dầu sả chanh Thanh Hương",
                HERB,
                3,
                90000,
                "Tinh dầu cất từ sả chanh trồng trên đất đồi, xua muỗi và khử mùi tự nhiên.",
            ),
            _p(
                "Tinh dầu bưởi Thanh Hương",
                HERB,
                3,
                110000,
                "Tinh dầu chưng cất từ vỏ bưởi tươi, dưỡng tóc theo cách của bà của mẹ.",
            ),
        ),
        commune="Thanh Hương",
    ),
    _Producer(
        "Công ty TNHH Du lịch sinh thái Thanh Tâm",
        "Thanh Liêm",
        (
            _p(
                "Trải nghiệm nông trại Thanh Tâm",
                TOURISM,
                3,
                180000,
                "Trang trại sinh thái giữa đồi cỏ, khách tự tay hái rau, cho bò ăn và học làm "
                "bánh quê.",
            ),
        ),
        commune="Thanh Tâm",
    ),
    _Producer(
        "DNTN Bánh kẹo Kiện Khê",
        "Thanh Liêm",
        (
            _p(
                "Kẹo lạc Kiện Khê",
                FOOD,
                3,
                60000,
                "Kẹo lạc vừng nấu với mật mía, cán mỏng, giòn thơm – quà quê của vùng Kiện Khê.",
            ),
            _p(
                "Bánh chè lam Kiện Khê",
                FOOD,
                3,
                50000,
                "Bánh chè lam dẻo thơm gừng và lạc rang, gói lá chuối khô như ngày xưa.",
            ),
        ),
        commune="Kiện Khê",
    ),
    _Producer(
        "Hộ kinh doanh Trần Văn Đức",
        "Thanh Liêm",
        (
            _p(
                "Tương ớt Liêm Cần",
                FOOD,
                3,
                35000,
                "Ớt chỉ thiên chín đỏ xay cùng tỏi, ủ chua tự nhiên, cay nồng mà không gắt.",
            ),
        ),
        commune="Liêm Cần",
    ),
    # Huyện Bình Lục ---------------------------------------------------------------------------
    _Producer(
        "HTX Rượu làng Vọc",
        "Bình Lục",
        (
            _p(
                "Rượu làng Vọc",
                DRINK,
                4,
                180000,
                "Rượu nấu từ nếp cái và men thuốc bắc gia truyền của làng Vọc, nồng mà không "
                "gắt, uống không đau đầu.",
                REEVALUATE,
            ),
            _p(
                "Rượu Vọc ngâm mơ",
                DRINK,
                3,
                160000,
                "Rượu Vọc ngâm quả mơ chín vàng, vị chua ngọt dịu, hợp làm quà biếu.",
            ),
        ),
        commune="Vũ Bản",
        village="Làng rượu Vọc",
        hamlet="thôn Vọc",
    ),
    _Producer(
        "Công ty TNHH Sừng mỹ nghệ Bình Lục",
        "Bình Lục",
        (
            _p(
                "Lược sừng mỹ nghệ",
                DECOR_2019,
                3,
                120000,
                "Lược chải tóc chế tác từ sừng trâu tự nhiên, mài bóng thủ công, không hóa chất.",
            ),
            _p(
                "Vòng tay sừng khảm trai",
                DECOR_2019,
                3,
                150000,
                "Vòng tay sừng trâu khảm xà cừ, mỗi chiếc mang một mẫu hoa văn riêng.",
            ),
        ),
    ),
    _Producer(
        "HTX Nông nghiệp Bình Nghĩa",
        "Bình Lục",
        (
            _p(
                "Gạo hữu cơ Bình Nghĩa",
                FOOD,
                3,
                35000,
                "Lúa cấy một vụ trên cánh đồng mẫu lớn, bón phân hữu cơ, cơm dẻo và thơm.",
            ),
            _p(
                "Bột gạo lứt Bình Nghĩa",
                FOOD,
                3,
                60000,
                "Gạo lứt rang chín, xay mịn, pha uống liền cho bữa sáng nhanh gọn.",
            ),
        ),
        commune="Bình Nghĩa",
    ),
    _Producer(
        "Hộ kinh doanh Vũ Thị Thoa",
        "Bình Lục",
        (
            _p(
                "Nón lá Bình Lục",
                CRAFT,
                3,
                90000,
                "Nón lá khâu mười sáu vòng, lá cọ phơi sương cho trắng, vành cân, đội nhẹ đầu.",
            ),
        ),
    ),
    _Producer(
        "Công ty CP Thực phẩm An Lão",
        "Bình Lục",
        (
            _p(
                "Chả cá rô đồng An Lão",
                FOOD,
                4,
                280000,
                "Cá rô đồng lọc xương, giã tay với thì là và hành, rán vàng, thơm ngậy.",
            ),
            _p(
                "Ruốc cá rô đồng An Lão",
                FOOD,
                3,
                320000,
                "Ruốc cá rô đồng sao khô tơi, giàu đạm, nhiều bà mẹ chọn nấu cháo cho con.",
            ),
        ),
        commune="An Lão",
    ),
    _Producer(
        "Tổ hợp tác trồng nấm Trung Lương",
        "Bình Lục",
        (
            _p(
                "Nấm sò tươi Trung Lương",
                FOOD,
                3,
                40000,
                "Nấm trồng trên rơm rạ sau mùa gặt, hái trong ngày, giòn và ngọt.",
            ),
            _p(
                "Nấm linh chi đỏ Trung Lương",
                HERB,
                3,
                450000,
                "Linh chi đỏ nuôi trên mùn cưa gỗ sạch, thu hái đủ tuổi, thái lát sấy khô.",
            ),
        ),
        commune="Trung Lương",
    ),
    _Producer(
        "HTX Dịch vụ nông nghiệp Ngọc Lũ",
        "Bình Lục",
        (
            _p(
                "Tinh bột nghệ Ngọc Lũ",
                HERB,
                3,
                220000,
                "Nghệ vàng trồng bãi bồi, tách tinh bột bằng cách lắng thủ công, mịn và thơm.",
            ),
            _p(
                "Mật ong nghệ Ngọc Lũ",
                HERB,
                3,
                280000,
                "Tinh bột nghệ trộn mật ong rừng theo tỉ lệ gia truyền, dùng ấm bụng mỗi sáng.",
            ),
        ),
        commune="Ngọc Lũ",
    ),
    _Producer(
        "Hộ sản xuất Đinh Văn Nam",
        "Bình Lục",
        (
            _p(
                "Bánh cuốn khô Tiêu Động",
                FOOD,
                3,
                35000,
                "Bánh cuốn tráng mỏng rồi phơi khô trên phên tre, chỉ cần trần qua nước sôi là "
                "mềm dẻo như mới.",
            ),
        ),
        commune="Tiêu Động",
    ),
    _Producer(
        "DNTN Mây tre đan Đồn Xá",
        "Bình Lục",
        (
            _p(
                "Giỏ mây đan Đồn Xá",
                CRAFT,
                3,
                150000,
                "Giỏ đan tay từ sợi mây và giang, bền chắc, đã xuất đi nhiều thị trường.",
            ),
            _p(
                "Hộp bèo tây đan tay",
                DECOR_2019,
                3,
                120000,
                "Hộp đan từ thân bèo tây phơi khô – thứ cây mọc sẵn trên kênh mương – thân "
                "thiện với môi trường.",
            ),
        ),
        commune="Đồn Xá",
    ),
    _Producer(
        "HTX Chăn nuôi Đồng Du",
        "Bình Lục",
        (
            _p(
                "Thịt ba chỉ hun khói Đồng Du",
                FOOD,
                3,
                260000,
                "Thịt ba chỉ ướp mắc khén, hun khói bằng củi nhãn và lõi ngô, để được lâu.",
            ),
        ),
        commune="Đồng Du",
    ),
    _Producer(
        "Công ty TNHH Trà thảo dược Bình Lục",
        "Bình Lục",
        (
            _p(
                "Trà túi lọc cà gai leo",
                HERB,
                4,
                120000,
                "Cà gai leo trồng theo chuẩn GACP, sấy lạnh, đóng túi lọc tiện dùng hằng ngày.",
            ),
            _p(
                "Trà giảo cổ lam túi lọc",
                HERB,
                4,
                110000,
                "Giảo cổ lam năm lá thu hái đúng mùa, hậu vị ngọt, uống thay nước hằng ngày.",
                UPGRADE,
            ),
        ),
        commune="Bình Mỹ",
    ),
    _Producer(
        "HTX Du lịch sinh thái La Sơn",
        "Bình Lục",
        (
            _p(
                "Trải nghiệm đồng quê La Sơn",
                TOURISM_2019,
                3,
                200000,
                "Một ngày làm nông dân: cấy lúa, bắt cá đồng, thả diều và ăn bữa cơm quê bên "
                "sông Châu.",
            ),
        ),
        commune="La Sơn",
    ),
    # Huyện Lý Nhân ----------------------------------------------------------------------------
    _Producer(
        "HTX Dệt may Đại Hoàng",
        "Lý Nhân",
        (
            _p(
                "Khăn mặt dệt thoi Đại Hoàng",
                TEXTILE_2019,
                3,
                45000,
                "Khăn dệt thoi trên khung cửi gỗ của làng Đại Hoàng, sợi bông mềm, thấm nước tốt.",
            ),
            _p(
                "Vải đũi dệt tay Đại Hoàng",
                TEXTILE_2019,
                3,
                180000,
                "Vải đũi dệt tay theo lối cũ ở làng Đại Hoàng – quê nhà văn Nam Cao – mặt vải "
                "mộc, thoáng mát.",
                REEVALUATE,
            ),
        ),
        commune="Hòa Hậu",
        village="Làng dệt Đại Hoàng",
        hamlet="thôn Đại Hoàng",
    ),
    _Producer(
        "Công ty CP Cá kho Vũ Đại",
        "Lý Nhân",
        (
            _p(
                "Cá kho làng Vũ Đại",
                FOOD,
                5,
                850000,
                "Cá trắm đen kho niêu đất bằng củi nhãn suốt mười sáu giờ theo công thức làng "
                "Vũ Đại, xương mềm, thịt chắc, đậm vị riềng gừng.",
                UPGRADE,
            ),
            _p(
                "Cá trắm kho riềng niêu nhỏ",
                FOOD,
                4,
                450000,
                "Niêu nhỏ cho gia đình ba bốn người, giữ nguyên cách kho nhiều lửa của làng "
                "Vũ Đại.",
            ),
        ),
        commune="Hòa Hậu",
        hamlet="thôn Vũ Đại",
    ),
    _Producer(
        "Hộ kinh doanh Trần Văn Hùng",
        "Lý Nhân",
        (
            _p(
                "Bánh đa nem Phú Phúc",
                FOOD,
                3,
                35000,
                "Bánh tráng mỏng từ gạo tẻ ven sông Hồng, phơi nắng tự nhiên, cuốn nem rán "
                "giòn không vỡ.",
            ),
            _p(
                "Mỳ gạo Phú Phúc",
                FOOD,
                4,
                30000,
                "Sợi mỳ gạo trắng trong, dai mềm, làm thủ công từ gạo bao thai vùng bãi Lý Nhân.",
                UPGRADE,
            ),
        ),
        commune="Phú Phúc",
        village="Làng bánh đa nem Phú Phúc",
    ),
    _Producer(
        "HTX Nông nghiệp Phú Phúc",
        "Lý Nhân",
        (
            _p(
                "Bánh đa vừng Phú Phúc",
                FOOD,
                3,
                40000,
                "Bánh đa nướng than hoa rắc vừng đen, món quà quê gắn với chợ phiên ven đê "
                "sông Hồng.",
            ),
            _p(
                "Bún khô Phú Phúc",
                FOOD,
                3,
                32000,
                "Bún sợi nhỏ phơi khô trên giàn tre, trụng qua nước sôi là có bát bún mềm thơm.",
            ),
        ),
        commune="Phú Phúc",
        village="Làng bánh đa nem Phú Phúc",
    ),
    _Producer(
        "Tổ hợp tác bánh gai Nhân Bình",
        "Lý Nhân",
        (
            _p(
                "Bánh gai lá gai rừng Nhân Bình",
                FOOD,
                3,
                60000,
                "Vỏ bánh giã từ lá gai phơi khô và gạo nếp cái, nhân đỗ xanh dừa, gói lá chuối "
                "khô theo lối cổ truyền.",
            ),
        ),
        commune="Nhân Bình",
    ),
    _Producer(
        "Công ty TNHH Chuối ngự Đại Hoàng",
        "Lý Nhân",
        (
            _p(
                "Chuối ngự sấy dẻo Đại Hoàng",
                FOOD,
                4,
                95000,
                "Chuối ngự – thứ chuối xưa dâng vua – sấy dẻo ở nhiệt độ thấp, giữ vị ngọt "
                "thanh và hương thơm.",
            ),
            _p(
                "Mứt chuối ngự Đại Hoàng",
                FOOD,
                3,
                70000,
                "Mứt làm từ chuối ngự chín cây, không phẩm màu, món quà Tết của quê hương Nam Cao.",
            ),
        ),
        commune="Hòa Hậu",
    ),
    _Producer(
        "HTX Nông nghiệp Nhân Khang",
        "Lý Nhân",
        (
            _p(
                "Gạo nếp cái hoa vàng Nhân Khang",
                FOOD,
                3,
                38000,
                "Nếp cái hoa vàng trồng trên đất phù sa bãi bồi, hạt tròn mẩy, đồ xôi dẻo thơm.",
            ),
            _p(
                "Dưa lê vàng Nhân Khang",
                FOOD,
                3,
                40000,
                "Dưa lê trồng nhà màng theo quy trình VietGAP, ruột giòn, ngọt mát.",
            ),
        ),
        commune="Nhân Khang",
    ),
    _Producer(
        "Hộ sản xuất Nguyễn Thị Lan",
        "Lý Nhân",
        (
            _p(
                "Giò lụa Vĩnh Trụ",
                FOOD,
                3,
                220000,
                "Giò lụa giã tay từ thịt lợn nóng trong ngày, gói lá chuối, lát cắt mịn hồng.",
            ),
            _p(
                "Chả quế Vĩnh Trụ",
                FOOD,
                3,
                240000,
                "Chả quết nhuyễn với bột quế, nướng than hoa, vỏ vàng sậm, ruột mềm thơm.",
            ),
        ),
        commune="Vĩnh Trụ",
    ),
    _Producer(
        "Công ty TNHH Rượu Nhân Thịnh",
        "Lý Nhân",
        (
            _p(
                "Rượu nếp cái hoa vàng Nhân Thịnh",
                DRINK,
                3,
                120000,
                "Rượu chưng cất thủ công từ nếp cái hoa vàng và men lá, hạ thổ sáu tháng cho "
                "êm dịu.",
            ),
            _p(
                "Rượu chuối hột Nhân Thịnh",
                DRINK,
                3,
                150000,
                "Rượu ngâm chuối hột phơi khô, màu hổ phách, vị chát nhẹ.",
            ),
        ),
        commune="Nhân Thịnh",
    ),
    _Producer(
        "HTX Nông nghiệp Tiến Thắng",
        "Lý Nhân",
        (
            _p(
                "Bưởi diễn Tiến Thắng",
                FOOD,
                3,
                50000,
                "Bưởi diễn trồng trên đất bãi ven sông Hồng, múi vàng ráo nước, ngọt đậm.",
            ),
            _p(
                "Ổi lê Tiến Thắng",
                FOOD,
                3,
                30000,
                "Ổi lê bao trái từ khi còn non, quả giòn, ít hạt, thơm dịu.",
            ),
        ),
        commune="Tiến Thắng",
    ),
    _Producer(
        "Hộ kinh doanh Lê Văn Toản",
        "Lý Nhân",
        (
            _p(
                "Cá kho niêu đất Chân Lý",
                FOOD,
                3,
                300000,
                "Cá trắm kho niêu đất với riềng, gừng và nước cốt chanh, đun liu riu qua đêm.",
            ),
        ),
        commune="Chân Lý",
    ),
    _Producer(
        "Tổ hợp tác chăn nuôi gà Đạo Lý",
        "Lý Nhân",
        (
            _p(
                "Trứng gà đồi Đạo Lý",
                FOOD,
                3,
                45000,
                "Trứng của đàn gà thả vườn ăn thóc và rau xanh, lòng đỏ đậm, không kháng sinh.",
            ),
        ),
        commune="Đạo Lý",
    ),
    _Producer(
        "Công ty CP Dược liệu Lý Nhân",
        "Lý Nhân",
        (
            _p(
                "Trà hoa hòe Lý Nhân",
                HERB,
                3,
                90000,
                "Nụ hoa hòe hái sớm, sao vàng hạ thổ, nước vàng sáng, uống giúp ngủ ngon.",
            ),
            _p(
                "Cao đinh lăng Lý Nhân",
                HERB,
                4,
                350000,
                "Cao chiết từ rễ đinh lăng trồng trên ba năm, cô đặc ở nhiệt độ thấp để giữ "
                "hoạt chất.",
            ),
        ),
        commune="Nhân Mỹ",
    ),
    _Producer(
        "HTX Sen Công Lý",
        "Lý Nhân",
        (
            _p(
                "Trà sen Công Lý",
                DRINK,
                3,
                250000,
                "Chè búp ướp trong hoa sen bách diệp hái lúc sớm mai, mỗi cân trà cần cả "
                "nghìn bông sen.",
            ),
            _p(
                "Hạt sen sấy Công Lý",
                FOOD,
                3,
                180000,
                "Hạt sen già bóc vỏ, bỏ tâm, sấy khô tự nhiên; nấu chè hay hầm đều bở tơi.",
            ),
        ),
        commune="Công Lý",
    ),
    _Producer(
        "Hộ sản xuất Phạm Văn Thành",
        "Lý Nhân",
        (
            _p(
                "Bonsai sanh si Xuân Khê",
                PLANT,
                3,
                1500000,
                "Những chậu bonsai sanh, si được nghệ nhân làng Xuân Khê uốn tỉa công phu qua "
                "nhiều năm.",
            ),
        ),
        commune="Xuân Khê",
    ),
    _Producer(
        "HTX Du lịch Trần Thương",
        "Lý Nhân",
        (
            _p(
                "Du lịch tâm linh đền Trần Thương",
                TOURISM,
                3,
                150000,
                "Về đền Trần Thương – nơi Hưng Đạo Vương tích trữ lương thảo – dự lễ phát lương "
                "đầu xuân và thăm làng quê ven sông.",
            ),
        ),
        commune="Nhân Đạo",
    ),
)


# Administrative units --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Commune:
    name: str  # "Xã Thanh Sơn"
    short: str  # "Thanh Sơn"
    type: str  # "Xã", "Phường", "Thị trấn"
    code: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _District:
    name: str  # "Thị xã Kim Bảng"
    short: str
    type: str
    code: str
    communes: tuple[_Commune, ...]

    @property
    def written(self) -> str:
        """How a list writes the district ("TP. Phủ Lý", "huyện Lý Nhân")."""
        if self.type == "Thành phố":
            return f"TP. {self.short}"
        return f"{self.type.lower()} {self.short}"


def _address(commune: _Commune, district: _District, hamlet: str = "") -> str:
    parts = [hamlet, f"{commune.type.lower()} {commune.short}", district.written]
    return ", ".join(p for p in parts if p)


@lru_cache(maxsize=1)
def hanam_districts() -> dict[str, _District]:
    """Hà Nam's 2024 district-level units and their communes, from ``vietnamadminunits``.

    A commune is kept only if its written address parses back to it (so the importer, which
    uses the same library, resolves every sample address)."""
    fields = [
        "provinceShort",
        "district",
        "districtShort",
        "districtType",
        "districtCode",
        "ward",
        "wardShort",
        "wardType",
        "wardCode",
        "wardKeywords",
    ]
    records = [
        r for r in get_data(fields, table="admin_units_legacy") if r["provinceShort"] == PROVINCE
    ]
    districts: dict[str, _District] = {}
    for short in DISTRICTS:
        mine = sorted(
            (r for r in records if r["districtShort"] == short), key=lambda r: r["wardCode"]
        )
        if not mine:
            raise LookupError(f"vietnamadminunits has no district {short} in {PROVINCE}")
        first = mine[0]
        district = _District(
            first["district"], short, first["districtType"], first["districtCode"], ()
        )
        communes = []
        for r in mine:
            commune = _Commune(
                r["ward"],
                r["wardShort"],
                r["wardType"],
                r["wardCode"],
                tuple(json.loads(r["wardKeywords"] or "[]")),
            )
            parsed = parse_address(
                f"{_address(commune, district)}, tỉnh {PROVINCE}", mode="LEGACY", level=3
            )
            if parsed.ward_code == commune.code and parsed.district_code == district.code:
                communes.append(commune)
        districts[short] = _District(
            district.name, short, district.type, district.code, tuple(communes)
        )
    return districts


def _find_commune(district: _District, name: str) -> _Commune:
    """The commune of ``district`` a name refers to: its own name or, for communes merged
    before 2025, one of the old names the library keeps as keywords."""
    wanted = key(name).replace(" ", "")
    for commune in district.communes:
        if key(commune.short).replace(" ", "") == wanted:
            return commune
    for commune in district.communes:
        if wanted in commune.keywords:
            return commune
    raise LookupError(f"no commune {name!r} in {district.name}")


# Rows ------------------------------------------------------------------------------------------

_STAR_SPELLINGS = {
    3: ("3 sao", "3*", "★★★", "hạng 3 sao", "3 SAO", "3"),
    4: ("4 sao", "★★★★", "4*", "hạng 4 sao"),
    5: ("5 sao", "★★★★★", "hạng 5 sao", "5*"),
}
_SCORE_BANDS = {3: (50, 69), 4: (70, 89), 5: (90, 100)}


def _clamp(day: dt.date, today: dt.date) -> dt.date:
    return min(max(day, EARLIEST_DECISION), today)


def _months_before(today: dt.date, months: int, rng: random.Random) -> dt.date:
    return _clamp(add_months(today, -months) - dt.timedelta(days=rng.randint(0, 20)), today)


def _decision_number(day: dt.date, stars: int, district_code: str) -> str:
    """A made-up but stable decision number: the central council (Ministry) for 5★, the
    province for 4★, the district for 3★ (different districts number their own decisions)."""
    ordinal = day.toordinal()
    if stars >= 5:
        return f"{50 + ordinal * 37 % 900}/QĐ-BNN-VPĐP"
    salt = 977 if stars == 4 else int(district_code) * 131
    return f"{100 + (ordinal * 7919 + salt) % 2800}/QĐ-UBND"


def _decision_text(number: str, day: dt.date, index: int) -> str:
    style = index % 6
    if style == 4:
        return f"Số {number} ngày {day.day}/{day.month}/{day.year}"
    if style == 5:
        return f"{number}, {day:%d/%m/%Y}"
    return f"{number} ngày {day:%d/%m/%Y}"


def _history(product: _Product, rotation: int, today: dt.date, rng: random.Random):
    """(stars, decision date) of each decision on ``product``, oldest first."""
    if product.plan == UPGRADE:
        older = _months_before(today, rng.randint(26, 34), rng)
        newer = _months_before(today, rng.randint(2, 14), rng)
        return [(product.stars - 1, older), (product.stars, newer)]
    if product.plan == REEVALUATE:
        older = _months_before(today, rng.randint(37, 40), rng)
        renewed = add_months(older, VALIDITY_MONTHS) + dt.timedelta(days=rng.randint(5, 20))
        return [(product.stars, older), (product.stars, _clamp(renewed, today))]
    if product.plan == RECENT:
        return [(product.stars, _months_before(today, rng.randint(2, 12), rng))]
    kind = rotation % 8
    if kind == 3:  # expires within 90 days
        expiring = add_months(today, -VALIDITY_MONTHS) + dt.timedelta(days=rng.randint(10, 80))
        return [(product.stars, _clamp(expiring, today))]
    if kind == 6:  # expired
        return [(product.stars, _months_before(today, rng.randint(37, 70), rng))]
    return [(product.stars, _months_before(today, rng.randint(1, 30), rng))]


def _phone(rng: random.Random, enterprise: bool) -> str:
    if enterprise:
        return f"0226 3{rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    prefix = rng.choice(("091", "098", "097", "094", "088", "036", "035"))
    return f"{prefix}{rng.randint(0, 9)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"


def _has_tax_code(name: str, index: int) -> bool:
    folded = key(name)
    if folded.startswith(("cong ty", "dntn")):
        return True
    return folded.startswith("htx") and index % 2 == 0


def build_sample_rows(today: dt.date) -> list[dict[str, object]]:
    """The sample list's rows for ``today`` (deterministic), keyed by ``HEADER``."""
    rng = random.Random(_SEED)
    districts = hanam_districts()
    next_commune = dict.fromkeys(districts, 0)
    tax_codes: set[str] = set()
    rows: list[dict[str, object]] = []
    rotation = 0
    for index, producer in enumerate(PRODUCERS):
        district = districts[producer.district]
        if producer.commune:
            commune = _find_commune(district, producer.commune)
        else:
            commune = district.communes[next_commune[producer.district] % len(district.communes)]
            next_commune[producer.district] += 1
        address = _address(commune, district, producer.hamlet)
        if index % 5 == 2:
            address += f", tỉnh {PROVINCE}"
        tax_code = ""
        if _has_tax_code(producer.name, index):
            while not tax_code or tax_code in tax_codes:
                tax_code = f"0700{rng.randint(100000, 999999)}"
            tax_codes.add(tax_code)
        phone = _phone(rng, enterprise=bool(tax_code))
        for product in producer.products:
            history = _history(product, rotation, today, rng)
            if product.plan == ROTATE:
                rotation += 1
            for stars, day in history:
                low, high = _SCORE_BANDS[stars]
                number = _decision_number(day, stars, district.code)
                spellings = _STAR_SPELLINGS[stars]
                rows.append(
                    {
                        "TT": len(rows) + 1,
                        "Tên sản phẩm": product.name,
                        "Chủ thể": producer.name,
                        "Mã số thuế": tax_code,
                        "Địa chỉ": address,
                        "Làng nghề": producer.village,
                        "Nhóm sản phẩm": product.group,
                        "Số sao": spellings[len(rows) % len(spellings)],
                        "Điểm": rng.randint(low, high),
                        "Quyết định": _decision_text(number, day, len(rows)),
                        "Giá (đồng)": product.price,
                        "Điện thoại": phone,
                        "Mô tả": product.story,
                    }
                )
    return rows


def write_sample_xlsx(path: str | Path, today: dt.date) -> Path:
    """Write the sample list for ``today`` to ``path`` (an .xlsx file) and return the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = build_sample_rows(today)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách OCOP (minh họa)"
    width = len(HEADER)
    bold = Font(bold=True)
    titles = [
        (LETTERHEAD, Font(bold=True)),
        ("SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", Font(bold=True)),
        (None, None),
        (TITLE, Font(bold=True, size=14)),
        (SAMPLE_LABEL, Font(bold=True, color="C00000")),
        (
            f"(Dữ liệu mẫu lập ngày {today:%d/%m/%Y} cho OCOP Market; tên chủ thể, sản phẩm, mã "
            f"số thuế, số quyết định và điểm là giả định)",
            Font(italic=True),
        ),
        (None, None),
    ]
    for number, (text, font) in enumerate(titles, start=1):
        if text is None:
            continue
        cell = sheet.cell(row=number, column=1, value=text)
        cell.font = font
        if number > 3:
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
            cell.alignment = Alignment(horizontal="center")
    header_row = len(titles) + 1
    for column, label in enumerate(HEADER, start=1):
        cell = sheet.cell(row=header_row, column=column, value=label)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, row in enumerate(rows, start=1):
        for column, label in enumerate(HEADER, start=1):
            value = row[label]
            sheet.cell(row=header_row + offset, column=column, value=value if value != "" else None)
    products = {(r["Chủ thể"], r["Tên sản phẩm"]) for r in rows}
    producers = {r["Chủ thể"] for r in rows}
    sheet.cell(
        row=header_row + len(rows) + 2,
        column=2,
        value=f"Tổng cộng: {len(rows)} dòng, {len(products)} sản phẩm, {len(producers)} chủ thể",
    ).font = bold
    widths = (5, 34, 36, 13, 48, 26, 30, 11, 7, 34, 12, 15, 70)
    for column, size in enumerate(widths, start=1):
        sheet.column_dimensions[
            sheet.cell(row=header_row, column=column).column_letter
        ].width = size
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    workbook.save(path)
    return path
