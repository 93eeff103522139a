"""Seed the controlled vocabularies with defaults. Administrators extend them in the admin.

Labels: English (required), simplified Chinese, and Tibetan where the term is a Tibetan name.
Codes are stable identifiers used by imports, exports and the API; never rename one.
"""

from django.db import migrations

# (vocabulary key, name, [(code, en, zh-Hans, extra labels, implies_status)])
VOCABULARIES = [
    (
        "violation-type",
        "Violation types",
        [
            ("arbitrary-detention", "Arbitrary detention", "任意拘留", {}, ""),
            ("enforced-disappearance", "Enforced disappearance", "强迫失踪", {}, ""),
            ("torture", "Torture or ill-treatment", "酷刑或虐待", {}, ""),
            (
                "freedom-of-expression",
                "Restriction of freedom of expression",
                "限制言论自由",
                {},
                "",
            ),
            (
                "freedom-of-religion",
                "Restriction of freedom of religion or belief",
                "限制宗教或信仰自由",
                {},
                "",
            ),
            (
                "freedom-of-assembly",
                "Restriction of freedom of assembly and association",
                "限制集会和结社自由",
                {},
                "",
            ),
            ("freedom-of-movement", "Restriction of freedom of movement", "限制迁徙自由", {}, ""),
            ("unfair-trial", "Violation of the right to a fair trial", "侵犯公正审判权", {}, ""),
            ("death-in-custody", "Death in custody", "羁押期间死亡", {}, ""),
            ("extrajudicial-killing", "Extrajudicial killing", "法外处决", {}, ""),
            ("reprisal-against-family", "Reprisal against family members", "对家属的报复", {}, ""),
            ("surveillance", "Unlawful surveillance", "非法监控", {}, ""),
        ],
    ),
    (
        "legal-process-event",
        "Legal-process events",
        [
            ("taken-into-custody", "Taken into custody", "被带走羁押", {}, "detained"),
            ("criminal-detention", "Criminal detention", "刑事拘留", {}, "detained"),
            ("administrative-detention", "Administrative detention", "行政拘留", {}, "detained"),
            (
                "residential-surveillance",
                "Residential surveillance at a designated location",
                "指定居所监视居住",
                {},
                "detained",
            ),
            ("formal-arrest", "Formal arrest", "正式逮捕", {}, "detained"),
            ("indictment", "Indictment", "提起公诉", {}, "detained"),
            ("trial", "Trial", "开庭审理", {}, ""),
            ("sentencing", "Sentencing", "判决", {}, "sentenced"),
            ("appeal", "Appeal", "上诉", {}, ""),
            ("appeal-decision", "Appeal decision", "二审裁定", {}, ""),
            ("transfer", "Transfer", "转押", {}, ""),
            ("release-on-bail", "Release on bail", "取保候审", {}, "released"),
            ("release", "Release", "释放", {}, "released"),
            (
                "release-after-sentence",
                "Release on completion of sentence",
                "刑满释放",
                {},
                "released",
            ),
            ("death-in-custody", "Death in custody", "羁押期间死亡", {}, "deceased"),
            ("whereabouts-unknown", "Whereabouts unknown", "下落不明", {}, "disappeared"),
        ],
    ),
    (
        "charge",
        "Charges",
        [
            ("inciting-separatism", "Inciting separatism", "煽动分裂国家罪", {}, ""),
            ("splitting-the-country", "Splitting the country", "分裂国家罪", {}, ""),
            (
                "leaking-state-secrets",
                "Leaking state secrets abroad",
                "为境外窃取、刺探、收买、非法提供国家秘密、情报罪",
                {},
                "",
            ),
            (
                "inciting-subversion",
                "Inciting subversion of state power",
                "煽动颠覆国家政权罪",
                {},
                "",
            ),
            ("subversion", "Subversion of state power", "颠覆国家政权罪", {}, ""),
            ("picking-quarrels", "Picking quarrels and provoking trouble", "寻衅滋事罪", {}, ""),
            (
                "disturbing-public-order",
                "Gathering a crowd to disturb public order",
                "聚众扰乱社会秩序罪",
                {},
                "",
            ),
            ("obstructing-official-duties", "Obstructing official duties", "妨害公务罪", {}, ""),
            (
                "using-cult-to-undermine-law",
                "Using a cult to undermine law enforcement",
                "组织、利用邪教组织破坏法律实施罪",
                {},
                "",
            ),
            ("illegal-business", "Illegal business operations", "非法经营罪", {}, ""),
        ],
    ),
    (
        "detention-type",
        "Detention types",
        [
            ("criminal", "Criminal detention", "刑事羁押", {}, ""),
            ("administrative", "Administrative detention", "行政拘留", {}, ""),
            (
                "rsdl",
                "Residential surveillance at a designated location (RSDL)",
                "指定居所监视居住",
                {},
                "",
            ),
            ("black-jail", "Black jail (unofficial detention)", "黑监狱", {}, ""),
            ("house-arrest", "House arrest", "软禁", {}, ""),
            (
                "political-education",
                "Political education or “re-education” facility",
                "政治教育/“再教育”设施",
                {},
                "",
            ),
            ("psychiatric", "Forced psychiatric detention", "强制精神病收治", {}, ""),
            ("incommunicado", "Incommunicado detention", "隔离羁押", {}, ""),
        ],
    ),
    (
        "treatment-concern",
        "Treatment concerns",
        [
            ("torture", "Torture or ill-treatment", "酷刑或虐待", {}, ""),
            (
                "no-lawyer",
                "No access to a lawyer of one's choosing",
                "无法会见自行委托的律师",
                {},
                "",
            ),
            ("no-family-visits", "No family visits", "家属无法探视", {}, ""),
            ("health", "Health concerns", "健康状况堪忧", {}, ""),
            ("forced-confession", "Forced confession", "强迫认罪", {}, ""),
            ("denied-medical-care", "Denied medical care", "被拒绝医疗", {}, ""),
        ],
    ),
    (
        "source-kind",
        "Source kinds",
        [
            ("news-report", "News report", "新闻报道", {}, ""),
            ("ngo-report", "NGO report", "非政府组织报告", {}, ""),
            ("testimony", "Testimony", "证词", {}, ""),
            ("official-document", "Official document", "官方文件", {}, ""),
            ("court-verdict", "Court verdict", "法院判决书", {}, ""),
            ("social-media-post", "Social-media post", "社交媒体帖子", {}, ""),
            ("government-statement", "Government statement", "政府声明", {}, ""),
            ("un-document", "UN document", "联合国文件", {}, ""),
        ],
    ),
    (
        "source-connection",
        "Source connection to the information",
        [
            ("victim", "Victim", "受害人", {}, ""),
            ("witness", "Witness", "目击者", {}, ""),
            ("relative", "Relative", "亲属", {}, ""),
            ("reporter", "Reporter", "记者", {}, ""),
            ("lawyer", "Lawyer", "律师", {}, ""),
            ("ngo", "NGO", "非政府组织", {}, ""),
            ("official", "Official", "官员", {}, ""),
            ("other", "Other", "其他", {}, ""),
        ],
    ),
    (
        "ethnicity",
        "Ethnicities",
        [
            ("tibetan", "Tibetan", "藏族", {"bo": "བོད་པ།"}, ""),
            ("uyghur", "Uyghur", "维吾尔族", {}, ""),
            ("mongol", "Mongol", "蒙古族", {}, ""),
            ("han", "Han", "汉族", {}, ""),
            ("hui", "Hui", "回族", {}, ""),
            ("kazakh", "Kazakh", "哈萨克族", {}, ""),
            ("other", "Other", "其他", {}, ""),
        ],
    ),
    (
        "religion",
        "Religions",
        [
            ("tibetan-buddhism", "Tibetan Buddhism", "藏传佛教", {}, ""),
            ("bon", "Bön", "苯教", {}, ""),
            ("buddhism", "Buddhism (other)", "佛教（其他）", {}, ""),
            ("islam", "Islam", "伊斯兰教", {}, ""),
            ("protestantism", "Protestant Christianity", "基督教（新教）", {}, ""),
            ("catholicism", "Catholicism", "天主教", {}, ""),
            ("falun-gong", "Falun Gong", "法轮功", {}, ""),
            ("none", "None", "无宗教信仰", {}, ""),
            ("other", "Other", "其他", {}, ""),
        ],
    ),
    (
        "occupation",
        "Occupations",
        [
            ("monk", "Monk", "僧人", {}, ""),
            ("nun", "Nun", "尼姑", {}, ""),
            ("farmer", "Farmer", "农民", {}, ""),
            ("nomad", "Nomad / herder", "牧民", {}, ""),
            ("student", "Student", "学生", {}, ""),
            ("teacher", "Teacher", "教师", {}, ""),
            ("writer", "Writer", "作家", {}, ""),
            ("singer", "Singer / musician", "歌手/音乐人", {}, ""),
            ("businessperson", "Businessperson", "商人", {}, ""),
            ("civil-servant", "Civil servant", "公务员", {}, ""),
            ("lawyer", "Lawyer", "律师", {}, ""),
            ("journalist", "Journalist", "记者", {}, ""),
            ("driver", "Driver", "司机", {}, ""),
        ],
    ),
    (
        "organization-kind",
        "Organization kinds",
        [
            ("monastery", "Monastery", "寺院", {"bo": "དགོན་པ།"}, ""),
            ("nunnery", "Nunnery", "尼姑寺", {}, ""),
            ("school", "School", "学校", {}, ""),
            ("police", "Police (public security)", "公安机关", {}, ""),
            ("state-security", "State security", "国家安全机关", {}, ""),
            ("armed-police", "People's Armed Police", "武装警察部队", {}, ""),
            ("procuratorate", "Procuratorate", "检察院", {}, ""),
            ("court", "Court", "法院", {}, ""),
            ("prison", "Prison", "监狱", {}, ""),
            ("detention-centre", "Detention centre", "看守所", {}, ""),
            ("government", "Government body", "政府机关", {}, ""),
            ("ngo", "Non-governmental organization", "非政府组织", {}, ""),
            ("media", "Media outlet", "媒体", {}, ""),
        ],
    ),
    (
        "affiliation-role",
        "Affiliation roles",
        [
            ("monk", "Monk", "僧人", {}, ""),
            ("nun", "Nun", "尼姑", {}, ""),
            ("abbot", "Abbot", "住持", {}, ""),
            ("student", "Student", "学生", {}, ""),
            ("teacher", "Teacher", "教师", {}, ""),
            ("member", "Member", "成员", {}, ""),
            ("employee", "Employee", "雇员", {}, ""),
        ],
    ),
    (
        "traditional-region",
        "Traditional regions",
        [
            ("u-tsang", "Ü-Tsang", "卫藏", {"bo": "དབུས་གཙང་།"}, ""),
            ("kham", "Kham", "康区", {"bo": "ཁམས།"}, ""),
            ("amdo", "Amdo", "安多", {"bo": "ཨ་མདོ།"}, ""),
        ],
    ),
    (
        "intervention-kind",
        "Intervention kinds",
        [
            ("un-urgent-appeal", "UN urgent appeal", "联合国紧急呼吁", {}, ""),
            (
                "wgad-communication",
                "Communication to the UN Working Group on Arbitrary Detention",
                "向联合国任意拘留问题工作组提交来文",
                {},
                "",
            ),
            ("letter", "Letter to authorities", "致当局信函", {}, ""),
            ("press-release", "Press release", "新闻稿", {}, ""),
        ],
    ),
]


def seed(apps, schema_editor):
    Vocabulary = apps.get_model("cases", "Vocabulary")
    Term = apps.get_model("cases", "Term")
    for key, name, terms in VOCABULARIES:
        vocabulary, _ = Vocabulary.objects.get_or_create(key=key, defaults={"name": name})
        for position, (code, english, chinese, extra, implies_status) in enumerate(terms, start=1):
            labels = {"en": english, "zh-Hans": chinese, **extra}
            Term.objects.get_or_create(
                vocabulary=vocabulary,
                code=code,
                defaults={
                    "labels": labels,
                    "sort_order": position * 10,
                    "implies_status": implies_status,
                },
            )


def unseed(apps, schema_editor):
    Vocabulary = apps.get_model("cases", "Vocabulary")
    Term = apps.get_model("cases", "Term")
    keys = [key for key, _name, _terms in VOCABULARIES]
    Term.objects.filter(vocabulary__key__in=keys).delete()
    Vocabulary.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
