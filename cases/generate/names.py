"""Name material: Tibetan personal names in the scripts and romanisations monitors meet.

A Tibetan name is usually two given names ("Tashi Dorje"), with no family name. The same person
appears in Tibetan script (བཀྲ་ཤིས་རྡོ་རྗེ), in Wylie transliteration (bkra shis rdo rje), in the
Chinese transcription used on identity cards (扎西多吉) and its pinyin (Zhaxi Duoji), and in
English spellings that vary by source (Tashi Dorjee). Monks and nuns also carry a religious
name. Search has to find the person by any of these, which is what the benchmark exercises.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..models import LanguageTag, NameKind, Sex

# Plain strings rather than the choices enums: they are written out millions of times.
BO, BO_LATN, ZH, PINYIN, EN = (
    tag.value
    for tag in (
        LanguageTag.TIBETAN,
        LanguageTag.TIBETAN_LATIN,
        LanguageTag.CHINESE_SIMPLIFIED,
        LanguageTag.PINYIN,
        LanguageTag.ENGLISH,
    )
)
BIRTH, RELIGIOUS, ALIAS, OFFICIAL = (
    kind.value for kind in (NameKind.BIRTH, NameKind.RELIGIOUS, NameKind.ALIAS, NameKind.OFFICIAL)
)


@dataclass(frozen=True)
class Given:
    """One given name: phonetic, Tibetan script, Wylie, Chinese transcription, pinyin."""

    phonetic: str
    tibetan: str
    wylie: str
    chinese: str
    pinyin: str


def _given(rows: str) -> tuple[Given, ...]:
    return tuple(Given(*line.split("|")) for line in rows.strip().splitlines())


# Given names used for anyone, men more often than women.
COMMON = _given("""
Tashi|བཀྲ་ཤིས|bkra shis|扎西|Zhaxi
Dorje|རྡོ་རྗེ|rdo rje|多吉|Duoji
Tenzin|བསྟན་འཛིན|bstan 'dzin|丹增|Danzeng
Lobsang|བློ་བཟང|blo bzang|洛桑|Luosang
Sonam|བསོད་ནམས|bsod nams|索朗|Suolang
Pema|པདྨ|pad+ma|白玛|Baima
Tsering|ཚེ་རིང|tshe ring|次仁|Ciren
Dhondup|དོན་གྲུབ|don grub|顿珠|Dunzhu
Jigme|འཇིགས་མེད|'jigs med|晋美|Jinmei
Gyatso|རྒྱ་མཚོ|rgya mtsho|嘉措|Jiacuo
Dawa|ཟླ་བ|zla ba|达瓦|Dawa
Nyima|ཉི་མ|nyi ma|尼玛|Nima
Phuntsok|ཕུན་ཚོགས|phun tshogs|平措|Pingcuo
Namgyal|རྣམ་རྒྱལ|rnam rgyal|朗杰|Langjie
Kunchok|དཀོན་མཆོག|dkon mchog|贡觉|Gongjue
Gendun|དགེ་འདུན|dge 'dun|根敦|Gendun
Choephel|ཆོས་འཕེལ|chos 'phel|群培|Qunpei
Wangchuk|དབང་ཕྱུག|dbang phyug|旺秋|Wangqiu
Norbu|ནོར་བུ|nor bu|诺布|Nuobu
Rinchen|རིན་ཆེན|rin chen|仁青|Renqing
Samdup|བསམ་གྲུབ|bsam grub|桑珠|Sangzhu
Tsultrim|ཚུལ་ཁྲིམས|tshul khrims|次成|Cicheng
Kelsang|སྐལ་བཟང|skal bzang|格桑|Gesang
Lhundup|ལྷུན་གྲུབ|lhun grub|伦珠|Lunzhu
Thupten|ཐུབ་བསྟན|thub bstan|土登|Tudeng
Yeshe|ཡེ་ཤེས|ye shes|益西|Yixi
Gonpo|མགོན་པོ|mgon po|贡布|Gongbu
Jamyang|འཇམ་དབྱངས|'jam dbyangs|降央|Jiangyang
Sherab|ཤེས་རབ|shes rab|喜饶|Xirao
Gyaltsen|རྒྱལ་མཚན|rgyal mtshan|坚赞|Jianzan
Tsewang|ཚེ་དབང|tshe dbang|次旺|Ciwang
Palden|དཔལ་ལྡན|dpal ldan|班旦|Bandan
Lhakpa|ལྷག་པ|lhag pa|拉巴|Laba
Migmar|མིག་དམར|mig dmar|米玛|Mima
Phurbu|ཕུར་བུ|phur bu|普布|Pubu
Penpa|སྤེན་པ|spen pa|边巴|Bianba
Dechen|བདེ་ཆེན|bde chen|德庆|Deqing
Kunga|ཀུན་དགའ|kun dga'|贡嘎|Gongga
Ngawang|ངག་དབང|ngag dbang|阿旺|Awang
Sangye|སངས་རྒྱས|sangs rgyas|桑杰|Sangjie
Dhargye|དར་རྒྱས|dar rgyas|达杰|Dajie
Jamphel|འཇམ་དཔལ|'jam dpal|降白|Jiangbai
Tsundue|བརྩོན་འགྲུས|brtson 'grus|尊珠|Zunzhu
Chime|འཆི་མེད|'chi med|其美|Qimei
Drakpa|གྲགས་པ|grags pa|扎巴|Zhaba
Karma|ཀརྨ|karma|噶玛|Gama
Jampa|བྱམས་པ|byams pa|强巴|Qiangba
Tenpa|བསྟན་པ|bstan pa|旦巴|Danba
Samten|བསམ་གཏན|bsam gtan|桑旦|Sangdan
Ngodup|དངོས་གྲུབ|dngos grub|欧珠|Ouzhu
Rigzin|རིག་འཛིན|rig 'dzin|仁增|Renzeng
Lodroe|བློ་གྲོས|blo gros|洛卓|Luozhuo
Khedrup|མཁས་གྲུབ|mkhas grub|克珠|Kezhu
Choekyi|ཆོས་ཀྱི|chos kyi|曲吉|Quji
Pasang|པ་སངས|pa sangs|巴桑|Basang
Tsetan|ཚེ་བརྟན|tshe brtan|次旦|Cidan
Yonten|ཡོན་ཏན|yon tan|云丹|Yundan
Tharchin|མཐར་ཕྱིན|mthar phyin|塔青|Taqing
Norzin|ནོར་འཛིན|nor 'dzin|诺增|Nuozeng
Nyendak|སྙན་གྲགས|snyan grags|年扎|Nianzha
""")

# Second given names that mark a woman.
FEMININE = _given("""
Dolma|སྒྲོལ་མ|sgrol ma|卓玛|Zhuoma
Lhamo|ལྷ་མོ|lha mo|拉姆|Lamu
Yangchen|དབྱངས་ཅན|dbyangs can|央金|Yangjin
Metok|མེ་ཏོག|me tog|梅朵|Meiduo
Chodron|ཆོས་སྒྲོན|chos sgron|曲珍|Quzhen
Drolkar|སྒྲོལ་དཀར|sgrol dkar|卓嘎|Zhuoga
Tsomo|མཚོ་མོ|mtsho mo|措姆|Cuomu
Yangdron|དབྱངས་སྒྲོན|dbyangs sgron|央珍|Yangzhen
Wangmo|དབང་མོ|dbang mo|旺姆|Wangmu
""")

# Names a monk or nun takes at ordination: the first part is the teacher's.
RELIGIOUS_FIRST = ("Lobsang", "Ngawang", "Thupten", "Jamyang", "Gendun", "Kunchok", "Tenzin")

# English spellings found in reports beside the usual phonetic one.
ENGLISH_SPELLINGS = {
    "Dorje": "Dorjee",
    "Tenzin": "Tenzing",
    "Dhondup": "Dhondrub",
    "Phuntsok": "Phuntsog",
    "Tsering": "Tshering",
    "Choephel": "Chophel",
    "Lobsang": "Losang",
    "Kelsang": "Kalsang",
    "Thupten": "Thubten",
    "Tsultrim": "Tsultrem",
    "Gyaltsen": "Gyaltshen",
    "Ngawang": "Nawang",
    "Lhundup": "Lhundrup",
    "Tsundue": "Tsondru",
    "Chodron": "Chodon",
    "Drolkar": "Dolkar",
    "Rigzin": "Rigdzin",
    "Lodroe": "Lodro",
    "Samdup": "Samdrup",
    "Khedrup": "Khedup",
    "Namgyal": "Namgyel",
    "Kunchok": "Konchok",
    "Gendun": "Gedun",
    "Nyendak": "Nyendrak",
    "Dolma": "Drolma",
    "Sonam": "Sonum",
    "Yeshe": "Yeshi",
    "Jamphel": "Jampel",
}

HAN_SURNAMES = (
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("马", "Ma"),
)
HAN_GIVEN = (
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("军", "Jun"),
    ("磊", "Lei"),
    ("静", "Jing"),
    ("强", "Qiang"),
    ("敏", "Min"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("杰", "Jie"),
    ("海燕", "Haiyan"),
    ("建国", "Jianguo"),
)


@dataclass(frozen=True)
class NameVariant:
    name: str
    language: str
    kind: str


@dataclass(frozen=True)
class PersonNaming:
    """The name a person is shown under and every spelling recorded for them."""

    display: str
    variants: tuple[NameVariant, ...]


def _join(parts: tuple[Given, ...], attribute: str, separator: str) -> str:
    return separator.join(getattr(part, attribute) for part in parts)


def tibetan_naming(rng: random.Random, *, sex: str, religious: bool) -> PersonNaming:
    """A Tibetan name with a realistic spread of recorded variants (one to six, mostly 2–4).

    The phonetic form is always there (it is how reports name people); the Tibetan script,
    Chinese and the rest are there as often as monitors tend to find them.
    """
    first = rng.choice(COMMON)
    if sex == Sex.FEMALE:
        second = rng.choice(FEMININE)
    else:
        second = rng.choice(COMMON)
        while second is first:
            second = rng.choice(COMMON)
    parts = (first, second)
    phonetic = _join(parts, "phonetic", " ")
    variants = [NameVariant(phonetic, BO_LATN, BIRTH)]
    if rng.random() < 0.68:
        variants.append(NameVariant(_join(parts, "tibetan", "་"), BO, BIRTH))
    if rng.random() < 0.2:
        variants.append(NameVariant(_join(parts, "wylie", " "), BO_LATN, BIRTH))
    if rng.random() < 0.45:
        variants.append(NameVariant(_join(parts, "chinese", ""), ZH, OFFICIAL))
        if rng.random() < 0.7:
            variants.append(NameVariant(_join(parts, "pinyin", " "), PINYIN, OFFICIAL))
    english = " ".join(ENGLISH_SPELLINGS.get(part.phonetic, part.phonetic) for part in parts)
    if english != phonetic and rng.random() < 0.35:
        variants.append(NameVariant(english, EN, BIRTH))
    if religious and rng.random() < 0.6:
        teacher = rng.choice(RELIGIOUS_FIRST)
        own = rng.choice(COMMON)
        while own.phonetic == teacher:
            own = rng.choice(COMMON)
        variants.append(NameVariant(f"{teacher} {own.phonetic}", BO_LATN, RELIGIOUS))
    if rng.random() < 0.07:
        # Reports often name someone by one given name only.
        variants.append(NameVariant(first.phonetic, EN, ALIAS))
    return PersonNaming(phonetic, tuple(variants))


def han_naming(rng: random.Random) -> PersonNaming:
    surname, surname_pinyin = rng.choice(HAN_SURNAMES)
    given, given_pinyin = rng.choice(HAN_GIVEN)
    pinyin = f"{surname_pinyin} {given_pinyin}"
    variants = [NameVariant(surname + given, ZH, BIRTH)]
    if rng.random() < 0.8:
        variants.append(NameVariant(pinyin, PINYIN, BIRTH))
    return PersonNaming(pinyin, tuple(variants))


@dataclass(frozen=True)
class Syllable:
    """A syllable of a generated place name: phonetic, Tibetan script, Chinese, pinyin."""

    phonetic: str
    tibetan: str
    chinese: str
    pinyin: str


def _syllables(rows: str) -> tuple[Syllable, ...]:
    return tuple(Syllable(*line.split("|")) for line in rows.strip().splitlines())


# Enough syllables for distinct township and monastery names in every county.
PLACE_SYLLABLES = _syllables("""
Ga|དགའ|嘎|ga
Sang|བསང|桑|sang
Chu|ཆུ|曲|qu
Ri|རི|日|ri
Tang|ཐང|塘|tang
Ling|གླིང|林|lin
Gang|སྒང|岗|gang
Nang|ནང|囊|nang
Dra|གྲྭ|扎|zha
Kha|ཁ|卡|ka
Yul|ཡུལ|玉|yu
Do|མདོ|多|duo
Ser|གསེར|色|se
Nyi|ཉི|尼|ni
Shar|ཤར|夏|xia
Lho|ལྷོ|洛|luo
Jang|བྱང|江|jiang
Kar|དཀར|嘎|ga
Nag|ནག|那|na
Rong|རོང|绒|rong
Lung|ལུང|隆|long
Drok|འབྲོག|卓|zhuo
Tso|མཚོ|措|cuo
Gyal|རྒྱལ|杰|jie
Pel|དཔལ|白|bai
Tak|སྟག|达|da
Khar|མཁར|卡|ka
Dre|འབྲས|哲|zhe
Jo|ཇོ|觉|jue
Sum|གསུམ|松|song
Yang|གཡང|央|yang
De|བདེ|德|de
Chen|ཆེན|钦|qin
Ma|མ|玛|ma
Tse|རྩེ|孜|zi
Dong|གདོང|东|dong
Shö|ཤོད|雪|xue
Nam|གནམ|南|nan
Zur|ཟུར|祖|zu
Me|སྨད|麦|mai
Tö|སྟོད|堆|dui
Pa|པ|巴|ba
Wa|བ|瓦|wa
""")


def place_word(rng: random.Random) -> tuple[str, str, str, str]:
    """A two-syllable place name: (phonetic, Tibetan script, Chinese, pinyin)."""
    first, second = rng.sample(PLACE_SYLLABLES, 2)
    phonetic = first.phonetic + second.phonetic.lower()
    pinyin = first.pinyin.capitalize() + second.pinyin
    return phonetic, f"{first.tibetan}་{second.tibetan}", first.chinese + second.chinese, pinyin


# What the authorities are reported to have detained people for.
ALLEGED_REASONS = (
    "Sharing pictures and messages on WeChat",
    "Taking part in a peaceful protest",
    "Possessing images of the Dalai Lama",
    "Calling for the return of the Dalai Lama",
    "Teaching the Tibetan language to children",
    "Refusing to take part in political education",
    "Sending information about local events abroad",
    "Organising a prayer gathering",
    "Writing and performing songs about Tibet",
    "Posting about land seizures on social media",
    "Contacting relatives in exile",
    "Celebrating the Dalai Lama's birthday",
    "Protesting against mining at a sacred mountain",
    "Refusing to denounce the Dalai Lama",
    "Displaying the Tibetan national flag",
    "Distributing leaflets",
    "Speaking to foreign journalists",
    "Holding a memorial for a self-immolation",
)

AUTHORITIES_AS_REPORTED = (
    "Chinese authorities",
    "police",
    "local police",
    "security forces",
    "armed police",
    "plain-clothes officers",
    "county officials",
    "state security officers",
)

OUTLETS = (
    ("Radio Free Asia", EN, "https://www.rfa.org/english/news/tibet/"),
    ("Tibet Watch", EN, "https://www.tibetwatch.org/news/"),
    ("Phayul", EN, "https://www.phayul.com/news/"),
    ("Tibetan Centre for Human Rights and Democracy", EN, "https://tchrd.org/"),
    ("International Campaign for Tibet", EN, "https://savetibet.org/"),
    ("Human Rights Watch", EN, "https://www.hrw.org/news/"),
    ("Tibetan Review", EN, "https://www.tibetanreview.net/"),
    ("Voice of Tibet", BO, "https://www.vot.org/"),
    ("Tibet Times", BO, "https://tibettimes.net/"),
    ("Radio Free Asia Tibetan", BO, "https://www.rfa.org/tibetan/"),
    ("Xinhua", ZH, "http://www.news.cn/"),
    ("Tibet Daily", ZH, "http://www.xzxw.com/"),
    ("China Judgements Online", ZH, "https://wenshu.court.gov.cn/"),
    ("Weibo", ZH, "https://weibo.com/"),
)

AUTHORS = (
    "Staff reporter",
    "Lobsang Choedak",
    "Dolkar Tso",
    "Pema Yangchen",
    "Sangyal Kunchok",
    "Tenzin Dickyi",
    "Research team",
    "",
)
