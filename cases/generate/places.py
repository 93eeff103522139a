"""The gazetteer: China › province or region › prefecture › county › township, town, monastery.

The upper four levels are real (the Tibetan areas of the Tibet Autonomous Region, Qinghai,
Sichuan, Gansu and Yunnan, with their Chinese, pinyin and Tibetan names); the fifth is generated
from Tibetan syllables, about 37 places per county, so that a benchmark sees the fan-out of a real
gazetteer. Traditional regions (Ü-Tsang, Kham, Amdo) are set from the prefecture down, since
they cut across today's provinces.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import PlaceKind
from .chance import between
from .names import BO, PINYIN, ZH, place_word


@dataclass(frozen=True)
class Prefecture:
    name: str
    chinese: str
    pinyin: str
    tibetan: str
    region: str  # traditional region code
    seat: tuple[float, float]
    # "English|Chinese|pinyin|Tibetan[|region]": a county, district or county-level city.
    counties: str


@dataclass(frozen=True)
class Province:
    name: str
    chinese: str
    pinyin: str
    tibetan: str
    seat: tuple[float, float]
    prefectures: tuple[Prefecture, ...]


PROVINCES = (
    Province(
        "Tibet Autonomous Region",
        "西藏自治区",
        "Xizang Zizhiqu",
        "བོད་རང་སྐྱོང་ལྗོངས",
        (29.65, 91.13),
        (
            Prefecture(
                "Lhasa",
                "拉萨",
                "Lasa",
                "ལྷ་ས",
                "u-tsang",
                (29.65, 91.13),
                """
                Chengguan District|城关区|Chengguan Qu|
                Toelung Dechen District|堆龙德庆区|Duilongdeqing Qu|སྟོད་ལུང་བདེ་ཆེན
                Taktse District|达孜区|Dazi Qu|སྟག་རྩེ
                Lhundrub County|林周县|Linzhou Xian|ལྷུན་གྲུབ་རྫོང
                Damshung County|当雄县|Dangxiong Xian|འདམ་གཞུང་རྫོང
                Nyemo County|尼木县|Nimu Xian|སྙེ་མོ་རྫོང
                Chushul County|曲水县|Qushui Xian|ཆུ་ཤུར་རྫོང
                Meldro Gungkar County|墨竹工卡县|Mozhugongka Xian|མལ་གྲོ་གུང་དཀར་རྫོང
                """,
            ),
            Prefecture(
                "Shigatse",
                "日喀则",
                "Rikaze",
                "གཞིས་ཀ་རྩེ",
                "u-tsang",
                (29.27, 88.88),
                """
                Samdrubtse District|桑珠孜区|Sangzhuzi Qu|
                Gyantse County|江孜县|Jiangzi Xian|རྒྱལ་རྩེ་རྫོང
                Tingri County|定日县|Dingri Xian|དིང་རི་རྫོང
                Lhatse County|拉孜县|Lazi Xian|ལྷ་རྩེ་རྫོང
                Sakya County|萨迦县|Sajia Xian|ས་སྐྱ་རྫོང
                Nyalam County|聂拉木县|Nielamu Xian|གཉའ་ལམ་རྫོང
                Panam County|白朗县|Bailang Xian|པ་སྣམ་རྫོང
                Namling County|南木林县|Nanmulin Xian|རྣམ་གླིང་རྫོང
                Ngamring County|昂仁县|Angren Xian|ངམ་རིང་རྫོང
                """,
            ),
            Prefecture(
                "Chamdo",
                "昌都",
                "Changdu",
                "ཆབ་མདོ",
                "kham",
                (31.14, 97.17),
                """
                Karub District|卡若区|Karuo Qu|མཁར་རོ
                Jomda County|江达县|Jiangda Xian|འཇོ་མདའ་རྫོང
                Gonjo County|贡觉县|Gongjue Xian|གོ་འཇོ་རྫོང
                Riwoche County|类乌齐县|Leiwuqi Xian|རི་བོ་ཆེ་རྫོང
                Dengchen County|丁青县|Dingqing Xian|སྟེང་ཆེན་རྫོང
                Chagyab County|察雅县|Chaya Xian|བྲག་གཡབ་རྫོང
                Pashoe County|八宿县|Basu Xian|དཔའ་ཤོད་རྫོང
                Dzogang County|左贡县|Zuogong Xian|མཛོ་སྒང་རྫོང
                Markham County|芒康县|Mangkang Xian|སྨར་ཁམས་རྫོང
                Lhorong County|洛隆县|Luolong Xian|ལྷོ་རོང་རྫོང
                Pelbar County|边坝县|Bianba Xian|དཔལ་འབར་རྫོང
                """,
            ),
            Prefecture(
                "Nagchu",
                "那曲",
                "Naqu",
                "ནག་ཆུ",
                "u-tsang",
                (31.48, 92.05),
                """
                Seni District|色尼区|Seni Qu|གསེར་ཉི
                Sog County|索县|Suo Xian|སོག་རྫོང|kham
                Driru County|比如县|Biru Xian|འབྲི་རུ་རྫོང|kham
                Lhari County|嘉黎县|Jiali Xian|ལྷ་རི་རྫོང|kham
                Banbar County|巴青县|Baqing Xian|སྦྲ་ཆེན་རྫོང|kham
                Amdo County|安多县|Anduo Xian|ཨ་མདོ་རྫོང
                Nyenrong County|聂荣县|Nierong Xian|གཉན་རོང་རྫོང
                Shentsa County|申扎县|Shenzha Xian|ཤན་རྩ་རྫོང
                Palgon County|班戈县|Bange Xian|དཔལ་མགོན་རྫོང
                Nyima County|尼玛县|Nima Xian|ཉི་མ་རྫོང
                Tsonyi County|双湖县|Shuanghu Xian|
                """,
            ),
            Prefecture(
                "Lhokha",
                "山南",
                "Shannan",
                "ལྷོ་ཁ",
                "u-tsang",
                (29.24, 91.77),
                """
                Nedong District|乃东区|Naidong Qu|སྣེ་གདོང
                Chonggye County|琼结县|Qiongjie Xian|འཕྱོང་རྒྱས་རྫོང
                Dranang County|扎囊县|Zhanang Xian|གྲ་ནང་རྫོང
                Gonggar County|贡嘎县|Gongga Xian|གོང་དཀར་རྫོང
                Lhuntse County|隆子县|Longzi Xian|ལྷུན་རྩེ་རྫོང
                Tsona County|错那县|Cuona Xian|མཚོ་སྣ་རྫོང
                Nakartse County|浪卡子县|Langkazi Xian|སྣ་དཀར་རྩེ་རྫོང
                """,
            ),
            Prefecture(
                "Nyingchi",
                "林芝",
                "Linzhi",
                "ཉིང་ཁྲི",
                "u-tsang",
                (29.65, 94.36),
                """
                Bayi District|巴宜区|Bayi Qu|
                Gyamda County|工布江达县|Gongbujiangda Xian|ཀོང་པོ་རྒྱ་མདའ་རྫོང
                Pome County|波密县|Bomi Xian|སྤོ་མེས་རྫོང|kham
                Zayul County|察隅县|Chayu Xian|རྫ་ཡུལ་རྫོང|kham
                Menling County|米林县|Milin Xian|སྨན་གླིང་རྫོང
                """,
            ),
            Prefecture(
                "Ngari",
                "阿里",
                "Ali",
                "མངའ་རིས",
                "u-tsang",
                (32.50, 80.10),
                """
                Gar County|噶尔县|Ga'er Xian|སྒར་རྫོང
                Purang County|普兰县|Pulan Xian|སྤུ་ཧྲེང་རྫོང
                Rutog County|日土县|Ritu Xian|རུ་ཐོག་རྫོང
                Gertse County|改则县|Gaize Xian|སྒེར་རྩེ་རྫོང
                Tsochen County|措勤县|Cuoqin Xian|མཚོ་ཆེན་རྫོང
                """,
            ),
        ),
    ),
    Province(
        "Qinghai",
        "青海省",
        "Qinghai Sheng",
        "མཚོ་སྔོན་ཞིང་ཆེན",
        (36.62, 101.78),
        (
            Prefecture(
                "Xining",
                "西宁",
                "Xining",
                "ཟི་ལིང",
                "amdo",
                (36.62, 101.78),
                """
                Huangzhong District|湟中区|Huangzhong Qu|རུས་ཕུག
                Huangyuan County|湟源县|Huangyuan Xian|སྟོང་འཁོར་རྫོང
                Datong County|大通县|Datong Xian|
                """,
            ),
            Prefecture(
                "Haidong",
                "海东",
                "Haidong",
                "མཚོ་ཤར",
                "amdo",
                (36.50, 102.10),
                """
                Ping'an District|平安区|Ping'an Qu|
                Ledu District|乐都区|Ledu Qu|
                Hualong County|化隆县|Hualong Xian|བ་ཡན་རྫོང
                Xunhua County|循化县|Xunhua Xian|ཡ་རྫི་རྫོང
                Minhe County|民和县|Minhe Xian|
                """,
            ),
            Prefecture(
                "Tsojang",
                "海北",
                "Haibei",
                "མཚོ་བྱང",
                "amdo",
                (36.96, 100.90),
                """
                Chilen County|祁连县|Qilian Xian|ཆི་ལེན་རྫོང
                Kangtsa County|刚察县|Gangcha Xian|རྐང་ཚ་རྫོང
                Dabzhi County|海晏县|Haiyan Xian|
                Mongyon County|门源县|Menyuan Xian|
                """,
            ),
            Prefecture(
                "Malho",
                "黄南",
                "Huangnan",
                "རྨ་ལྷོ",
                "amdo",
                (35.52, 102.02),
                """
                Rebkong City|同仁市|Tongren Shi|རེབ་གོང
                Tsekhog County|泽库县|Zeku Xian|རྩེ་ཁོག་རྫོང
                Chentsa County|尖扎县|Jianzha Xian|གཅན་ཚ་རྫོང
                Sogpo County|河南县|Henan Xian|སོག་པོ་རྫོང
                """,
            ),
            Prefecture(
                "Tsolho",
                "海南",
                "Hainan",
                "མཚོ་ལྷོ",
                "amdo",
                (36.28, 100.62),
                """
                Chabcha County|共和县|Gonghe Xian|ཆབ་ཆ
                Trika County|贵德县|Guide Xian|ཁྲི་ཀ་རྫོང
                Mangra County|贵南县|Guinan Xian|མང་ར་རྫོང
                Kawasumdo County|同德县|Tongde Xian|ཀ་བ་གསུམ་མདོ་རྫོང
                Tsigorthang County|兴海县|Xinghai Xian|རྩི་གོར་ཐང་རྫོང
                """,
            ),
            Prefecture(
                "Golog",
                "果洛",
                "Guoluo",
                "མགོ་ལོག",
                "amdo",
                (34.47, 100.24),
                """
                Machen County|玛沁县|Maqin Xian|རྨ་ཆེན་རྫོང
                Gade County|甘德县|Gande Xian|དགའ་བདེ་རྫོང
                Darlag County|达日县|Dari Xian|དར་ལག་རྫོང
                Pema County|班玛县|Banma Xian|པད་མ་རྫོང
                Chigdril County|久治县|Jiuzhi Xian|གཅིག་སྒྲིལ་རྫོང
                Matoe County|玛多县|Maduo Xian|རྨ་སྟོད་རྫོང
                """,
            ),
            Prefecture(
                "Yushu",
                "玉树",
                "Yushu",
                "ཡུས་ཧྲུའུ",
                "kham",
                (33.00, 97.01),
                """
                Kyegudo City|玉树市|Yushu Shi|སྐྱེ་རྒུ་མདོ
                Nangchen County|囊谦县|Nangqian Xian|ནང་ཆེན་རྫོང
                Dritoe County|治多县|Zhiduo Xian|འབྲི་སྟོད་རྫོང
                Trindu County|称多县|Chenduo Xian|ཁྲི་འདུ་རྫོང
                Zatoe County|杂多县|Zaduo Xian|རྫ་སྟོད་རྫོང
                Chumarleb County|曲麻莱县|Qumalai Xian|ཆུ་དམར་ལེབ་རྫོང
                """,
            ),
            Prefecture(
                "Tsonub",
                "海西",
                "Haixi",
                "མཚོ་ནུབ",
                "amdo",
                (37.37, 97.37),
                """
                Golmud City|格尔木市|Ge'ermu Shi|ན་གོར་མོ
                Delingha City|德令哈市|Delingha Shi|
                Ulan County|乌兰县|Wulan Xian|
                Tianjun County|天峻县|Tianjun Xian|ཐེན་ཅུན་རྫོང
                """,
            ),
        ),
    ),
    Province(
        "Sichuan",
        "四川省",
        "Sichuan Sheng",
        "སི་ཁྲོན་ཞིང་ཆེན",
        (30.66, 104.06),
        (
            Prefecture(
                "Kardze",
                "甘孜",
                "Ganzi",
                "དཀར་མཛེས",
                "kham",
                (30.05, 101.96),
                """
                Dartsedo City|康定市|Kangding Shi|དར་རྩེ་མདོ
                Kardze County|甘孜县|Ganzi Xian|དཀར་མཛེས་རྫོང
                Serthar County|色达县|Seda Xian|གསེར་ཐར་རྫོང
                Dege County|德格县|Dege Xian|སྡེ་དགེ་རྫོང
                Palyul County|白玉县|Baiyu Xian|དཔལ་ཡུལ་རྫོང
                Nyagrong County|新龙县|Xinlong Xian|ཉག་རོང་རྫོང
                Lithang County|理塘县|Litang Xian|ལི་ཐང་རྫོང
                Bathang County|巴塘县|Batang Xian|འབའ་ཐང་རྫོང
                Tawu County|道孚县|Daofu Xian|རྟའུ་རྫོང
                Drango County|炉霍县|Luhuo Xian|བྲག་འགོ་རྫོང
                Sershul County|石渠县|Shiqu Xian|སེར་ཤུལ་རྫོང
                Chaktreng County|乡城县|Xiangcheng Xian|ཕྱག་ཕྲེང་རྫོང
                Nyachukha County|雅江县|Yajiang Xian|ཉག་ཆུ་ཁ་རྫོང
                Rongtrak County|丹巴县|Danba Xian|རོང་བྲག་རྫོང
                Derong County|得荣县|Derong Xian|སྡེ་རོང་རྫོང
                Dabpa County|稻城县|Daocheng Xian|འདབ་པ་རྫོང
                """,
            ),
            Prefecture(
                "Ngaba",
                "阿坝",
                "Aba",
                "རྔ་བ",
                "amdo",
                (31.90, 102.22),
                """
                Ngaba County|阿坝县|Aba Xian|རྔ་བ་རྫོང
                Barkham City|马尔康市|Ma'erkang Shi|འབར་ཁམས
                Dzamthang County|壤塘县|Rangtang Xian|འཛམ་ཐང་རྫོང
                Dzoege County|若尔盖县|Ruo'ergai Xian|མཛོད་དགེ་རྫོང
                Mewa County|红原县|Hongyuan Xian|རྨེ་བ་རྫོང
                Trochu County|黑水县|Heishui Xian|ཁྲོ་ཆུ་རྫོང
                Chuchen County|金川县|Jinchuan Xian|ཆུ་ཆེན་རྫོང
                Zungchu County|松潘县|Songpan Xian|ཟུང་ཆུ་རྫོང
                """,
            ),
        ),
    ),
    Province(
        "Gansu",
        "甘肃省",
        "Gansu Sheng",
        "ཀན་སུའུ་ཞིང་ཆེན",
        (36.06, 103.83),
        (
            Prefecture(
                "Kanlho",
                "甘南",
                "Gannan",
                "ཀན་ལྷོ",
                "amdo",
                (34.98, 102.91),
                """
                Tsoe City|合作市|Hezuo Shi|གཙོས
                Sangchu County|夏河县|Xiahe Xian|བསང་ཆུ་རྫོང
                Machu County|玛曲县|Maqu Xian|རྨ་ཆུ་རྫོང
                Luchu County|碌曲县|Luqu Xian|ཀླུ་ཆུ་རྫོང
                Chone County|卓尼县|Zhuoni Xian|ཅོ་ནེ་རྫོང
                Tewo County|迭部县|Diebu Xian|ཐེ་བོ་རྫོང
                Lintan County|临潭县|Lintan Xian|
                Drugchu County|舟曲县|Zhouqu Xian|འབྲུག་ཆུ་རྫོང
                """,
            ),
            Prefecture(
                "Wuwei",
                "武威",
                "Wuwei",
                "",
                "amdo",
                (37.93, 102.64),
                """
                Pari County|天祝县|Tianzhu Xian|དཔའ་རིས་རྫོང
                """,
            ),
        ),
    ),
    Province(
        "Yunnan",
        "云南省",
        "Yunnan Sheng",
        "ཡུན་ནན་ཞིང་ཆེན",
        (25.04, 102.71),
        (
            Prefecture(
                "Dechen",
                "迪庆",
                "Diqing",
                "བདེ་ཆེན",
                "kham",
                (27.83, 99.70),
                """
                Gyalthang City|香格里拉市|Xianggelila Shi|རྒྱལ་ཐང
                Dechen County|德钦县|Deqin Xian|བདེ་ཆེན་རྫོང
                Balung County|维西县|Weixi Xian|འབའ་ལུང་རྫོང
                """,
            ),
        ),
    ),
)

# Counties where documented detentions cluster (protest waves, monastery crackdowns): they get
# several times the cases of a quiet county, as in the real databases.
HOT_COUNTIES = {
    "Ngaba County": 10,
    "Kardze County": 8,
    "Serthar County": 6,
    "Driru County": 8,
    "Sog County": 5,
    "Chengguan District": 8,
    "Rebkong City": 6,
    "Machu County": 5,
    "Sangchu County": 5,
    "Kyegudo City": 4,
    "Lithang County": 4,
    "Drango County": 4,
    "Tawu County": 3,
    "Nyagrong County": 3,
    "Dzamthang County": 3,
    "Karub District": 3,
    "Jomda County": 3,
    "Dege County": 3,
}

# Coordinates the real gazetteer knows; others are placed near their prefecture's seat.
KNOWN_COORDINATES = {
    "China": (35.0, 105.0),
    "Sog County": (31.886, 93.790),
}


@dataclass
class PlaceRecord:
    id: int
    name: str
    kind: str
    path: str
    depth: int
    latitude: Decimal | None
    longitude: Decimal | None
    region_id: int | None  # traditional region Term
    names: dict[str, str]  # language -> name variant


@dataclass
class County:
    """A county with everything below it that cases, people and organisations point at."""

    place: PlaceRecord
    prefecture: PlaceRecord
    province: PlaceRecord
    chinese: str
    pinyin: str
    weight: float
    townships: list[PlaceRecord] = field(default_factory=list)
    monasteries: list[PlaceRecord] = field(default_factory=list)
    nunneries: list[PlaceRecord] = field(default_factory=list)
    detention_centre: PlaceRecord | None = None


@dataclass
class Gazetteer:
    country: PlaceRecord
    provinces: list[PlaceRecord]
    prefectures: list[tuple[PlaceRecord, Prefecture, PlaceRecord]]  # (place, data, province)
    prisons: dict[int, PlaceRecord]  # prefecture place id -> its prison
    counties: list[County]


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


class GazetteerBuilder:
    """Writes the places and their names; `gen` supplies the random source, ids and writer."""

    def __init__(self, gen) -> None:
        self.gen = gen
        self.rng: random.Random = gen.rng

    def place(
        self,
        name: str,
        kind: str,
        parent: PlaceRecord | None,
        *,
        names: tuple[tuple[str, str], ...] = (),
        region_id: int | None = None,
        near: tuple[float, float] | None = None,
        spread: float = 0.0,
        with_coordinates: float = 1.0,
        external_id: str = "",
    ) -> PlaceRecord:
        gen = self.gen
        place_id = gen.ids.next("place")
        # Exactly what cases.services.places.place_create stores.
        path = f"{parent.path if parent else '/'}{place_id}/"
        depth = parent.depth + 1 if parent else 0
        latitude = longitude = None
        if near is not None and self.rng.random() < with_coordinates:
            latitude = _coordinate(near[0] + self.rng.uniform(-spread, spread))
            longitude = _coordinate(near[1] + self.rng.uniform(-spread, spread))
        variants = {language: variant for variant, language in names if variant}
        record = PlaceRecord(
            place_id, name, kind, path, depth, latitude, longitude, region_id, variants
        )
        gen.t.place.add(
            id=place_id,
            created_at=gen.setup_time,
            updated_at=gen.setup_time,
            name=name,
            kind=kind,
            parent_id=parent.id if parent else None,
            path=path,
            depth=depth,
            traditional_region_id=region_id,
            latitude=latitude,
            longitude=longitude,
            external_id=external_id,
        )
        for language, variant in variants.items():
            gen.t.place_name.add(
                id=gen.ids.next("place_name"),
                place_id=place_id,
                name=variant,
                language=language,
                search_text=gen.search_text(variant, 600),
            )
        return record

    def build(self) -> Gazetteer:
        regions = self.gen.terms.regions
        country = self.place(
            "China",
            PlaceKind.COUNTRY,
            None,
            names=(("中国", ZH), ("Zhongguo", PINYIN), ("རྒྱ་ནག", BO)),
            near=KNOWN_COORDINATES["China"],
            external_id="geonames:1814991",
        )
        gazetteer = Gazetteer(country, [], [], {}, [])
        for province in PROVINCES:
            province_place = self.place(
                province.name,
                PlaceKind.REGION,
                country,
                names=((province.chinese, ZH), (province.pinyin, PINYIN), (province.tibetan, BO)),
                near=province.seat,
            )
            gazetteer.provinces.append(province_place)
            for prefecture in province.prefectures:
                prefecture_place = self.place(
                    prefecture.name,
                    PlaceKind.PREFECTURE,
                    province_place,
                    names=(
                        (prefecture.chinese, ZH),
                        (prefecture.pinyin, PINYIN),
                        (prefecture.tibetan, BO),
                    ),
                    region_id=regions[prefecture.region],
                    near=prefecture.seat,
                )
                gazetteer.prefectures.append((prefecture_place, prefecture, province_place))
                counties = [
                    self._county(line.strip(), prefecture, prefecture_place, province_place)
                    for line in prefecture.counties.strip().splitlines()
                ]
                gazetteer.counties.extend(counties)
                # The first county listed is the prefecture's seat, where its prison stands.
                gazetteer.prisons[prefecture_place.id] = self._prison(prefecture, counties[0])
        return gazetteer

    def _county(
        self, line: str, prefecture: Prefecture, parent: PlaceRecord, province: PlaceRecord
    ) -> County:
        english, chinese, pinyin, tibetan, *override = line.split("|")
        region_id = self.gen.terms.regions[override[0] if override else prefecture.region]
        seat = KNOWN_COORDINATES.get(english) or (
            prefecture.seat[0] + self.rng.uniform(-1.2, 1.2),
            prefecture.seat[1] + self.rng.uniform(-1.5, 1.5),
        )
        place = self.place(
            english,
            PlaceKind.COUNTY,
            parent,
            names=((chinese, ZH), (pinyin, PINYIN), (tibetan, BO)),
            region_id=region_id,
            near=seat,
            with_coordinates=0.97,
        )
        county = County(
            place, parent, province, chinese, pinyin, weight=HOT_COUNTIES.get(english, 1.0)
        )
        rng = self.rng
        used: set[str] = set()

        def fresh_word() -> tuple[str, str, str, str]:
            word = place_word(rng)
            while word[0] in used:
                word = place_word(rng)
            used.add(word[0])
            return word

        # A small run gets a sparser fifth level: a test needs every kind of place, not 5,000.
        detail = self.gen.gazetteer_detail
        townships = between(rng, 16, 28) + between(rng, 2, 4)
        for number in range(max(3, round(townships * detail))):
            town = number < 3
            phonetic, bo, zh, py = fresh_word()
            county.townships.append(
                self.place(
                    f"{phonetic} {'Town' if town else 'Township'}",
                    PlaceKind.TOWNSHIP,
                    place,
                    names=(
                        (zh + ("镇" if town else "乡"), ZH),
                        (f"{py} {'Zhen' if town else 'Xiang'}", PINYIN),
                        (bo + ("་གྲོང་རྡལ" if town else "་ཤང"), BO),
                    ),
                    region_id=region_id,
                    near=seat,
                    spread=0.4,
                    with_coordinates=0.85,
                )
            )
        for _ in range(max(2, round(between(rng, 6, 16) * detail))):
            phonetic, bo, zh, py = fresh_word()
            nunnery = rng.random() < 0.15
            record = self.place(
                f"{phonetic} {'Nunnery' if nunnery else 'Monastery'}",
                PlaceKind.MONASTERY,
                place,
                names=(
                    (zh + ("尼姑寺" if nunnery else "寺"), ZH),
                    (f"{py} {'Nigusi' if nunnery else 'Si'}", PINYIN),
                    (bo + ("་ཨ་ནི་དགོན་པ" if nunnery else "་དགོན་པ"), BO),
                ),
                region_id=region_id,
                near=seat,
                spread=0.4,
                with_coordinates=0.7,
            )
            (county.nunneries if nunnery else county.monasteries).append(record)
        county.detention_centre = self.place(
            f"{english} Detention Centre",
            PlaceKind.DETENTION_CENTRE,
            place,
            names=((f"{chinese}看守所", ZH), (f"{pinyin} Kanshousuo", PINYIN)),
            region_id=region_id,
            near=seat,
            spread=0.05,
            with_coordinates=0.8,
        )
        return county

    def _prison(self, prefecture: Prefecture, seat: County) -> PlaceRecord:
        """Each prefecture's prison, placed in the gazetteer under the county it stands in."""
        return self.place(
            f"{prefecture.name} Prison",
            PlaceKind.PRISON,
            seat.place,
            names=((f"{prefecture.chinese}监狱", ZH), (f"{prefecture.pinyin} Jianyu", PINYIN)),
            region_id=seat.place.region_id,
            near=prefecture.seat,
            spread=0.1,
            with_coordinates=0.9,
        )
